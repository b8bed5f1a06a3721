package dev.originproxy.stun.router;

import dev.originproxy.stun.PacketKind;
import dev.originproxy.stun.StunAttribute;
import dev.originproxy.stun.StunIntegrityKey;
import dev.originproxy.stun.StunMessage;
import dev.originproxy.stun.StunMessageType;
import dev.originproxy.stun.StunMessageWriter;
import dev.originproxy.stun.StunVerifier;

import java.nio.ByteBuffer;

/**
 * Gives the client the address it really has: the origin's binding success response names the
 * proxy's upstream socket in XOR-MAPPED-ADDRESS (RFC 8489 §14.2), which would leak the proxy's
 * internal address and give the client's ICE agent a wrong peer-reflexive candidate. The
 * response is written again with the client's own address, every other attribute kept in
 * order, MESSAGE-INTEGRITY recomputed with the session's ice-pwd (the key the origin signed
 * with, verified first) and FINGERPRINT recomputed. Other packets pass untouched.
 *
 * <p>One per worker; not thread-safe. Allocates nothing per packet.
 */
final class MappedAddressRewriter {
    private static final int MAX_MESSAGE = 1500;

    private final StunMessage message = new StunMessage();
    private final StunMessageWriter writer = new StunMessageWriter();
    private final StunVerifier verifier = new StunVerifier();
    private final ByteBuffer out = ByteBuffer.allocate(MAX_MESSAGE);
    private long rewritten;
    private long refused;

    /** What became of an origin packet. */
    enum Result {
        /** Not a binding success response with a mapped address: send it as it is. */
        UNCHANGED,
        /** Rewritten: send {@link #rewritten()} instead. */
        REWRITTEN,
        /** A binding success response whose integrity does not verify with the session key: drop. */
        REFUSED
    }

    /**
     * Looks at one packet from the origin.
     *
     * @param packet the packet, position to limit
     * @param key the session's integrity key (the answer's ice-pwd)
     * @param clientAddress the client's IP in network byte order (4 or 16 bytes)
     * @param clientPort the client's port
     */
    Result rewrite(ByteBuffer packet, StunIntegrityKey key, byte[] clientAddress, int clientPort) {
        int length = packet.remaining();
        if (length < StunMessage.HEADER_LENGTH
                || PacketKind.classify(packet.get(packet.position())) != PacketKind.STUN) {
            return Result.UNCHANGED; // RTP, RTCP, DTLS (RFC 7983 first-byte demux): one byte read
        }
        if (!message.wrap(packet, packet.position(), length)
                || message.messageType() != StunMessageType.BINDING_SUCCESS_RESPONSE
                || (!message.hasXorMappedAddress() && message.findAttribute(StunAttribute.MAPPED_ADDRESS) < 0)) {
            return Result.UNCHANGED;
        }
        if (!message.hasMessageIntegrity() || !verifier.verifyIntegrity(message, key)) {
            refused++;
            return Result.REFUSED;
        }
        out.clear();
        writer.start(out, 0, StunMessageType.BINDING_SUCCESS_RESPONSE, message);
        for (int a = message.firstAttribute(); a >= 0; a = message.nextAttribute(a)) {
            int type = message.attributeType(a);
            if (type == StunAttribute.XOR_MAPPED_ADDRESS || type == StunAttribute.MAPPED_ADDRESS
                    || type == StunAttribute.MESSAGE_INTEGRITY || type == StunAttribute.MESSAGE_INTEGRITY_SHA256
                    || type == StunAttribute.FINGERPRINT) {
                continue;
            }
            writer.attribute(type, packet, message.attributeValueOffset(a), message.attributeLength(a));
        }
        int n = writer.xorMappedAddress(clientAddress, 0, clientAddress.length, clientPort)
                .messageIntegrity(key).fingerprint().finish();
        if (n < 0) {
            refused++;
            return Result.REFUSED;
        }
        out.position(0).limit(n);
        rewritten++;
        return Result.REWRITTEN;
    }

    /** The rewritten response, position to limit, valid until the next call. */
    ByteBuffer rewritten() {
        return out;
    }

    /** Responses rewritten so far. */
    long rewrittenCount() {
        return rewritten;
    }

    /** Responses dropped so far (bad integrity, or too large to rewrite). */
    long refusedCount() {
        return refused;
    }
}
