package dev.originproxy.core.balancer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OriginLoadBalancersTest {
    private static final String PLUGIN_CLASS = "dev.originproxy.testplugin.EchoBalancerProvider";

    @Test
    void findsTheMemoryProviderThroughServiceLoaderOnTheModulePath() {
        assertThat(getClass().getModule().isNamed()).as("tests run on the module path").isTrue();
        try (OriginLoadBalancer lb = OriginLoadBalancers.create("memory", Map.of("origin.ttl", "10s"))) {
            assertThat(lb.name()).isEqualTo("memory");
            assertThat(lb.registry().originTtl()).hasSeconds(10);
        }
    }

    @Test
    void findsAPluginModuleThatDeclaresProvides() {
        ModuleLayer layer = pluginLayer();
        Module plugin = layer.findModule("test.echo.plugin").orElseThrow();
        assertThat(plugin.getDescriptor().provides()).isNotEmpty();

        OriginLoadBalancerProvider p = OriginLoadBalancers.provider("test-echo", layer);
        assertThat(p.getClass().getModule()).isSameAs(plugin);
        assertThat(p.create(Map.of()).name()).isEqualTo("test-echo");
        assertThat(OriginLoadBalancers.providersIn(layer)).extracting(OriginLoadBalancerProvider::name)
                .contains("memory", "test-echo");
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> OriginLoadBalancers.create("nope", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown load balancer 'nope'; known: memory");
        assertThatThrownBy(() -> OriginLoadBalancers.provider("nope", pluginLayer()))
                .hasMessage("unknown load balancer 'nope'; known: memory, test-echo");
    }

    /**
     * A child layer with one real module, {@code test.echo.plugin}, whose descriptor says
     * {@code requires dev.originproxy.core; provides OriginLoadBalancerProvider with ...}; its
     * class bytes are read from the test classes, defined again by the layer's own loader.
     */
    private static ModuleLayer pluginLayer() {
        ModuleDescriptor descriptor = ModuleDescriptor.newModule("test.echo.plugin")
                .requires("dev.originproxy.core")
                .packages(Set.of("dev.originproxy.testplugin"))
                .provides(OriginLoadBalancerProvider.class.getName(), List.of(PLUGIN_CLASS))
                .build();
        ModuleReference ref = new ModuleReference(descriptor, URI.create("test:plugin")) {
            @Override
            public ModuleReader open() {
                return new ModuleReader() {
                    @Override
                    public Optional<URI> find(String name) {
                        return Optional.empty();
                    }

                    @Override
                    public Optional<InputStream> open(String name) throws IOException {
                        if (!name.startsWith("dev/originproxy/testplugin/")) {
                            return Optional.empty();
                        }
                        return Optional.ofNullable(OriginLoadBalancersTest.class.getResourceAsStream("/" + name));
                    }

                    @Override
                    public Stream<String> list() {
                        return Stream.of("dev/originproxy/testplugin/EchoBalancerProvider.class");
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
        ModuleFinder finder = new ModuleFinder() {
            @Override
            public Optional<ModuleReference> find(String name) {
                return name.equals("test.echo.plugin") ? Optional.of(ref) : Optional.empty();
            }

            @Override
            public Set<ModuleReference> findAll() {
                return Set.of(ref);
            }
        };
        ModuleLayer parent = OriginLoadBalancer.class.getModule().getLayer();
        Configuration cf = parent.configuration().resolveAndBind(finder, ModuleFinder.of(), Set.of("test.echo.plugin"));
        return parent.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
    }
}
