package dev.originproxy.srt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every capture decodes to the fields the README's "Decoded fields" section documents (the
 * hand decoder, cross-checked with tshark): the expectations are read from the README itself,
 * so the table cannot drift from the fixtures.
 */
class SrtVectorDecodingTest {
    private static final Pattern SCENARIO = Pattern.compile("^--- (\\w+)$");
    private static final Pattern FILE = Pattern.compile("^  (\\S+)\\.hex\\s+\\((\\d+) bytes\\)$");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");
    private static final Pattern EXT = Pattern.compile("^ext @(\\d+): type=(\\d+) \\S+ len=(\\d+) words");

    /** One documented capture: its name, size, header/CIF fields and extension lines. */
    record Documented(String scenario, String file, int size, Map<String, String> fields,
            List<String> extensions) {
        @Override
        public String toString() {
            return scenario + "/" + file;
        }
    }

    static List<Documented> documented() {
        String readme = SrtVectors.text("README.txt");
        int start = readme.indexOf("Decoded fields");
        List<Documented> out = new ArrayList<>();
        String scenario = null;
        Documented current = null;
        for (String line : readme.substring(start).split("\n")) {
            Matcher m;
            if ((m = SCENARIO.matcher(line)).matches()) {
                scenario = m.group(1);
            } else if ((m = FILE.matcher(line)).matches()) {
                current = new Documented(scenario, m.group(1), Integer.parseInt(m.group(2)),
                        new HashMap<>(), new ArrayList<>());
                out.add(current);
            } else if (current != null && line.startsWith("    ")) {
                String body = line.trim();
                if (body.startsWith("ext @")) {
                    current.extensions().add(body);
                } else {
                    Matcher f = FIELD.matcher(body);
                    while (f.find()) {
                        current.fields().put(f.group(1), f.group(2));
                    }
                }
            } else if (line.startsWith("Observed libsrt")) {
                break;
            }
        }
        return out;
    }

    @Test
    void readmeDocumentsEveryCapture() {
        // 8 caller-listener cases of 4 packets plus 7 rendezvous packets.
        assertThat(documented()).hasSize(39);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documented")
    void captureDecodesToDocumentedFields(Documented doc) {
        ByteBuffer buf = SrtVectors.buffer(doc.scenario(), doc.file());
        assertThat(buf.limit()).isEqualTo(doc.size());

        SrtPacket packet = new SrtPacket();
        assertThat(packet.wrap(buf, 0, buf.limit())).isTrue();
        assertThat(packet.isControl()).isTrue();
        assertThat(packet.isHandshake()).isTrue();
        assertThat(packet.controlType()).isEqualTo(SrtPacket.CONTROL_HANDSHAKE);
        assertThat(packet.typeSpecificInfo()).isEqualTo(hex(doc, "typeinfo"));
        assertThat(packet.timestamp()).isEqualTo(Integer.parseInt(doc.fields().get("timestamp")));
        assertThat(packet.destinationSocketId()).isEqualTo(hex(doc, "dstSocketId"));

        SrtHandshake hs = new SrtHandshake();
        assertThat(hs.wrap(buf, 0, buf.limit())).isTrue();
        assertThat(hs.timestamp()).isEqualTo(packet.timestamp());
        assertThat(hs.destinationSocketId()).isEqualTo(hex(doc, "dstSocketId"));
        assertThat(hs.version()).isEqualTo(Integer.parseInt(doc.fields().get("version")));
        assertThat(hs.encryptionField()).isEqualTo(hex(doc, "encField"));
        assertThat(hs.extensionField()).isEqualTo(hex(doc, "extField"));
        assertThat(hs.initialSequenceNumber()).isEqualTo(hex(doc, "ISN"));
        assertThat(hs.mtu()).isEqualTo(Integer.parseInt(doc.fields().get("MTU")));
        assertThat(hs.flowWindow()).isEqualTo(Integer.parseInt(doc.fields().get("flowWindow")));
        assertThat(hs.handshakeType()).isEqualTo(hex(doc, "hsType"));
        assertThat(hs.srtSocketId()).isEqualTo(hex(doc, "socketId"));
        assertThat(hs.synCookie()).isEqualTo(hex(doc, "synCookie"));

        byte[] ip = new byte[16];
        int ipLength = hs.peerIp(ip);
        byte[] raw = HexFormat.of().parseHex(doc.fields().get("raw"));
        byte[] expectedIp = new byte[16];
        for (int i = 0; i < 16; i++) {
            expectedIp[i] = raw[(i & ~3) | (3 - (i & 3))];
        }
        assertThat(ip).isEqualTo(expectedIp);
        assertThat(ipLength).isEqualTo(doc.scenario().equals("e_ipv6") ? 16 : 4);

        assertExtensions(hs, doc);
    }

    private static void assertExtensions(SrtHandshake hs, Documented doc) {
        List<String> lines = doc.extensions();
        int ext = hs.firstExtension();
        for (String line : lines) {
            Matcher m = EXT.matcher(line);
            assertThat(m.find()).as(line).isTrue();
            assertThat(ext).as(line).isEqualTo(Integer.parseInt(m.group(1)));
            int type = Integer.parseInt(m.group(2));
            assertThat(hs.extensionType(ext)).isEqualTo(type);
            assertThat(hs.extensionContentLength(ext)).isEqualTo(4 * Integer.parseInt(m.group(3)));
            Map<String, String> f = new HashMap<>();
            Matcher fm = FIELD.matcher(line.substring(line.indexOf('|')));
            while (fm.find()) {
                f.put(fm.group(1), fm.group(2));
            }
            ByteBuffer buf = hs.buffer();
            switch (type) {
                case SrtHandshake.EXT_HSREQ:
                case SrtHandshake.EXT_HSRSP:
                    assertThat(hs.srtVersion(ext)).isEqualTo(Integer.parseUnsignedInt(f.get("srtVersion").substring(2), 16));
                    assertThat(hs.srtFlags(ext)).isEqualTo(Integer.parseUnsignedInt(f.get("flags").substring(2), 16));
                    assertThat(hs.receiverTsbpdDelay(ext)).isEqualTo(Integer.parseInt(f.get("rcv").replace("ms", "")));
                    assertThat(hs.senderTsbpdDelay(ext)).isEqualTo(Integer.parseInt(f.get("snd").replace("ms", "").replace(")", "")));
                    break;
                case SrtHandshake.EXT_SID:
                    String expected = f.get("streamId").replace("\"", "");
                    assertThat(hs.extensionString(ext)).isEqualTo(expected);
                    assertThat(hs.streamId()).isEqualTo(expected);
                    byte[] content = new byte[hs.extensionContentLength(ext)];
                    buf.get(hs.extensionContentOffset(ext), content);
                    assertThat(content).isEqualTo(HexFormat.of().parseHex(f.get("raw")));
                    break;
                case SrtHandshake.EXT_KMREQ:
                case SrtHandshake.EXT_KMRSP:
                    assertThat(buf.getInt(hs.extensionContentOffset(ext)))
                            .isEqualTo(Integer.parseUnsignedInt(f.get("word0").substring(2), 16));
                    break;
                default:
                    throw new AssertionError("README documents an unexpected extension: " + line);
            }
            ext = hs.nextExtension(ext);
        }
        assertThat(ext).isEqualTo(SrtHandshake.NO_EXTENSION);
        if (lines.stream().noneMatch(l -> l.contains("SRT_CMD_SID"))) {
            assertThat(hs.streamId()).isNull();
            assertThat(hs.streamId(new byte[512])).isEqualTo(SrtHandshake.NO_EXTENSION);
        }
    }

    private static int hex(Documented doc, String field) {
        String v = doc.fields().get(field);
        assertThat(v).as("README field %s of %s", field, doc).isNotNull();
        return Integer.parseUnsignedInt(v.substring(2), 16);
    }
}
