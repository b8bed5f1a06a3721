package dev.originproxy.examples.build;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExportsTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.ModuleTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import dev.originproxy.testkit.NodePeers;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conventions of the whole reactor that no single module can check for itself: the BOM names every
 * library module, and every public element of an exported package has a doc comment (javadoc's
 * doclint runs in the build with every group but {@code missing}; this is the part of
 * {@code missing} that matters to a reader: no undocumented public API).
 *
 * <p>The library modules are read from the root pom (every jar module not marked as test support
 * or benchmarks), so a module added later is checked without editing this test.
 */
class BuildConventionsTest {
    private static final Path ROOT = NodePeers.repoRoot();

    @Test
    void bomListsEveryLibraryModuleAndNothingElse() throws Exception {
        Set<String> libraries = new TreeSet<>();
        for (Path module : libraryModules()) {
            libraries.add(text(pom(module).getDocumentElement(), "artifactId"));
        }
        Element bomDependencies = child(child(pom(ROOT.resolve("proxy-bom")).getDocumentElement(),
                "dependencyManagement"), "dependencies");
        Set<String> listed = new TreeSet<>();
        for (Element dependency : children(bomDependencies, "dependency")) {
            assertThat(text(dependency, "groupId")).isEqualTo("dev.originproxy");
            assertThat(text(dependency, "version")).isEqualTo("${project.version}");
            listed.add(text(dependency, "artifactId"));
        }
        assertThat(libraries).contains("proxy-core", "proxy-examples");
        assertThat(listed).as("proxy-bom/pom.xml dependencyManagement").isEqualTo(libraries);
    }

    @Test
    void bomVersionFollowsTheReactor() throws Exception {
        String reactorVersion = text(pom(ROOT).getDocumentElement(), "version");
        assertThat(text(pom(ROOT.resolve("proxy-bom")).getDocumentElement(), "version"))
                .isEqualTo(reactorVersion);
    }

    @Test
    void everyPublicElementOfAnExportedPackageHasADocComment() throws Exception {
        List<String> undocumented = new ArrayList<>();
        for (Path module : libraryModules()) {
            undocumented.addAll(undocumentedPublicElements(module.resolve("src/main/java")));
        }
        assertThat(undocumented).as("public API without a doc comment").isEmpty();
    }

    /**
     * Every library module this build packaged has its sources and javadoc jar beside its jar (the
     * reactor packages every library module before this one, which depends on them all). A module
     * not packaged in this build (e.g. {@code -pl proxy-examples}) is not judged.
     */
    @Test
    void everyPackagedLibraryModuleHasSourcesAndJavadocJars() throws Exception {
        String version = text(pom(ROOT).getDocumentElement(), "version");
        List<String> missing = new ArrayList<>();
        int packaged = 0;
        for (Path module : libraryModules()) {
            String artifact = text(pom(module).getDocumentElement(), "artifactId");
            Path target = module.resolve("target");
            if (!Files.isRegularFile(target.resolve(artifact + "-" + version + ".jar"))) {
                continue;
            }
            packaged++;
            for (String classifier : List.of("sources", "javadoc")) {
                Path jar = target.resolve(artifact + "-" + version + "-" + classifier + ".jar");
                if (!Files.isRegularFile(jar) || Files.size(jar) == 0) {
                    missing.add(ROOT.relativize(jar).toString());
                }
            }
        }
        assertThat(missing).as("library modules packaged without sources/javadoc jars (%d packaged)", packaged)
                .isEmpty();
    }

    @Test
    void rootPomCarriesCentralMetadata() throws Exception {
        Element project = pom(ROOT).getDocumentElement();
        assertThat(text(project, "url")).startsWith("https://");
        assertThat(text(child(child(project, "licenses"), "license"), "name")).isEqualTo("Apache-2.0");
        assertThat(text(child(project, "scm"), "connection")).startsWith("scm:git:");
        assertThat(children(child(project, "developers"), "developer")).isNotEmpty();
        assertThat(text(child(project, "properties"), "project.build.outputTimestamp")).isNotBlank();
        assertThat(Files.readString(ROOT.resolve("LICENSE"))).contains("Apache License", "Version 2.0");
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Modules of the root pom that publish a library: jar packaging, and not marked as something
     * else by {@code maven.javadoc.skip} (testkit and benchmarks are; see the root pom).
     */
    private static List<Path> libraryModules() throws Exception {
        List<Path> modules = new ArrayList<>();
        for (Element module : children(child(pom(ROOT).getDocumentElement(), "modules"), "module")) {
            Path dir = ROOT.resolve(module.getTextContent().trim());
            Element project = pom(dir).getDocumentElement();
            List<Element> packaging = children(project, "packaging");
            boolean jar = packaging.isEmpty() || packaging.get(0).getTextContent().trim().equals("jar");
            List<Element> properties = children(project, "properties");
            boolean notALibrary = !properties.isEmpty()
                    && !children(properties.get(0), "maven.javadoc.skip").isEmpty()
                    && text(properties.get(0), "maven.javadoc.skip").equals("true");
            if (jar && !notALibrary) {
                modules.add(dir);
            }
        }
        return modules;
    }

    private static List<String> undocumentedPublicElements(Path sourceRoot) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8);
             Stream<Path> walk = Files.walk(sourceRoot)) {
            List<Path> sources = walk.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
            JavacTask task = (JavacTask) javac.getTask(null, files, null, List.of("-proc:none"), null, units);
            List<CompilationUnitTree> parsed = new ArrayList<>();
            task.parse().forEach(parsed::add);
            DocTrees docs = DocTrees.instance(task);

            Set<String> exported = new TreeSet<>();
            for (CompilationUnitTree unit : parsed) {
                if (unit.getModule() != null) {
                    for (var directive : ((ModuleTree) unit.getModule()).getDirectives()) {
                        if (directive instanceof ExportsTree e && e.getModuleNames() == null) {
                            exported.add(e.getPackageName().toString());
                        }
                    }
                }
            }
            boolean modular = parsed.stream().anyMatch(u -> u.getModule() != null);
            List<String> undocumented = new ArrayList<>();
            for (CompilationUnitTree unit : parsed) {
                String pkg = unit.getPackageName() == null ? null : unit.getPackageName().toString();
                boolean api = pkg != null && (modular ? exported.contains(pkg) : !pkg.contains(".internal"));
                if (!api) {
                    continue;
                }
                new PublicApiScanner(docs, sourceRoot.relativize(Path.of(unit.getSourceFile().toUri())), undocumented)
                        .scan(new TreePath(unit), null);
            }
            return undocumented;
        }
    }

    /** Visits public types and their public or protected members; records those without a doc comment. */
    private static final class PublicApiScanner extends com.sun.source.util.TreePathScanner<Void, Void> {
        private final DocTrees docs;
        private final Path file;
        private final List<String> undocumented;
        private boolean inInterface;

        PublicApiScanner(DocTrees docs, Path file, List<String> undocumented) {
            this.docs = docs;
            this.file = file;
            this.undocumented = undocumented;
        }

        @Override
        public Void visitClass(ClassTree tree, Void unused) {
            if (!visible(tree.getModifiers(), inInterface)) {
                return null; // nothing inside a hidden type is API
            }
            check(tree.getSimpleName().toString());
            boolean outer = inInterface;
            inInterface = tree.getKind() == Tree.Kind.INTERFACE || tree.getKind() == Tree.Kind.ANNOTATION_TYPE;
            boolean isRecord = tree.getKind().name().equals("RECORD");
            for (Tree member : tree.getMembers()) {
                // A record's components are documented by @param on the record itself.
                if (isRecord && member instanceof VariableTree v && !v.getModifiers().getFlags().contains(Modifier.STATIC)) {
                    continue;
                }
                scan(member, null);
            }
            inInterface = outer;
            return null;
        }

        @Override
        public Void visitMethod(MethodTree tree, Void unused) {
            boolean override = tree.getModifiers().getAnnotations().stream()
                    .anyMatch(a -> a.getAnnotationType().toString().endsWith("Override"));
            boolean generated = docs.getSourcePositions().getStartPosition(
                    getCurrentPath().getCompilationUnit(), tree) < 0;
            if (!override && !generated && visible(tree.getModifiers(), inInterface)) {
                check(tree.getName().toString());
            }
            return null;
        }

        @Override
        public Void visitVariable(VariableTree tree, Void unused) {
            if (visible(tree.getModifiers(), inInterface) || isEnumConstant()) {
                check(tree.getName().toString());
            }
            return null;
        }

        /** An enum constant parses as a field initialised with {@code new TheEnum(...)}. */
        private boolean isEnumConstant() {
            Tree parent = getCurrentPath().getParentPath().getLeaf();
            VariableTree variable = (VariableTree) getCurrentPath().getLeaf();
            return parent.getKind() == Tree.Kind.ENUM
                    && variable.getInitializer() instanceof com.sun.source.tree.NewClassTree created
                    && created.getIdentifier().toString().equals(((ClassTree) parent).getSimpleName().toString());
        }

        private void check(String name) {
            DocCommentTree comment = docs.getDocCommentTree(getCurrentPath());
            if (comment == null || comment.getFullBody().isEmpty() && comment.getBlockTags().isEmpty()) {
                long line = getCurrentPath().getCompilationUnit().getLineMap().getLineNumber(
                        docs.getSourcePositions().getStartPosition(getCurrentPath().getCompilationUnit(),
                                getCurrentPath().getLeaf()));
                undocumented.add(file + ":" + line + " " + name);
            }
        }

        private static boolean visible(ModifiersTree modifiers, boolean inInterface) {
            Set<Modifier> flags = modifiers.getFlags();
            return flags.contains(Modifier.PUBLIC) || flags.contains(Modifier.PROTECTED)
                    || inInterface && !flags.contains(Modifier.PRIVATE);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static Document pom(Path moduleDir) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(moduleDir.resolve("pom.xml").toFile());
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        assertThat(found).as("<%s> in <%s>", name, parent.getTagName()).hasSize(1);
        return found.get(0);
    }

    private static String text(Element parent, String name) {
        return child(parent, name).getTextContent().trim();
    }
}
