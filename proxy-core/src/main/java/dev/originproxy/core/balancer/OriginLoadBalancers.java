package dev.originproxy.core.balancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Finds {@link OriginLoadBalancerProvider}s with {@link ServiceLoader} and creates balancers by
 * name. Stateless and thread-safe.
 */
public final class OriginLoadBalancers {
    /** The name of the default, in-memory balancer. */
    public static final String DEFAULT = "memory";

    private OriginLoadBalancers() {
    }

    /** Every provider visible to {@code loader}'s context (module layer or class path). */
    public static List<OriginLoadBalancerProvider> providers(ClassLoader loader) {
        List<OriginLoadBalancerProvider> out = new ArrayList<>();
        ServiceLoader<OriginLoadBalancerProvider> sl = loader == null
                ? ServiceLoader.load(OriginLoadBalancerProvider.class)
                : ServiceLoader.load(OriginLoadBalancerProvider.class, loader);
        for (OriginLoadBalancerProvider p : sl) {
            if (out.stream().noneMatch(q -> q.name().equals(p.name()))) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Every provider of the modules in {@code layer} and its parents: for hosts that load
     * balancer plugins as modules of their own layer.
     */
    public static List<OriginLoadBalancerProvider> providersIn(ModuleLayer layer) {
        List<OriginLoadBalancerProvider> out = new ArrayList<>();
        for (OriginLoadBalancerProvider p : ServiceLoader.load(layer, OriginLoadBalancerProvider.class)) {
            if (out.stream().noneMatch(q -> q.name().equals(p.name()))) {
                out.add(p);
            }
        }
        return out;
    }

    /** The provider called {@code name}; the error lists the known names. */
    public static OriginLoadBalancerProvider provider(String name) {
        List<OriginLoadBalancerProvider> all = providers(Thread.currentThread().getContextClassLoader());
        if (all.isEmpty()) {
            all = providers(null);
        }
        return pick(name, all);
    }

    /** The provider called {@code name} among those of {@code layer} and its parents. */
    public static OriginLoadBalancerProvider provider(String name, ModuleLayer layer) {
        return pick(name, providersIn(layer));
    }

    private static OriginLoadBalancerProvider pick(String name, List<OriginLoadBalancerProvider> all) {
        TreeSet<String> names = new TreeSet<>();
        for (OriginLoadBalancerProvider p : all) {
            if (p.name().equals(name)) {
                return p;
            }
            names.add(p.name());
        }
        throw new IllegalArgumentException("unknown load balancer '" + name + "'; known: " + String.join(", ", names));
    }

    /** Creates the balancer called {@code name} with {@code config}. */
    public static OriginLoadBalancer create(String name, Map<String, String> config) {
        return provider(name).create(config);
    }
}
