package dev.originproxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The forward-all relay of {@link RelayBenchmark} built on Netty's native epoll transport, to
 * measure issue 14's option (b) against proxy-core's own transports. Not shipped: benchmarks only.
 *
 * <p>Same behaviour as {@code UdpRelay} with {@code RelayBenchmark.ForwardAll}: one listening
 * socket; per client address one upstream socket connected to the origin (a "leg"); a client's
 * datagram goes out of its leg, a leg's datagram goes back to its client from the listening
 * socket. Set up the way Netty documents for fast UDP on Linux:
 * <ul>
 *   <li>one {@link MultiThreadIoEventLoopGroup} thread with {@link EpollIoHandler} (like a 1-worker
 *       {@code UdpRelay}); every channel, the legs included, on that one loop, so no handoff;</li>
 *   <li>{@link EpollChannelOption#MAX_DATAGRAM_PAYLOAD_SIZE} with a receive buffer of
 *       {@link #BATCH} times that size, so a read is one {@code recvmmsg} of up to {@link #BATCH}
 *       datagrams (on the listening socket and on the connected legs);</li>
 *   <li>writes without a flush per datagram: the legs written to while reading the listening
 *       socket are flushed at its {@code channelReadComplete}; the listening socket, which every
 *       leg writes to, is flushed once per event-loop turn (a task queued by the first leg's
 *       {@code channelReadComplete}: tasks run after all ready channels were read), so one
 *       {@code sendmmsg} carries the echoes of all legs, like proxy-core's send queue;</li>
 *   <li>pooled direct buffers ({@link PooledByteBufAllocator}).</li>
 * </ul>
 * A datagram longer than {@value #MAX_PAYLOAD} bytes is truncated by the kernel (recvmmsg slots
 * have that size); the benchmark's are 1200. A leg that cannot take more (its socket's send
 * buffer full, Netty's write-buffer high-water mark reached) drops the datagram and counts it.
 *
 * <p>Threading: {@link #start} and {@link #close} from any thread; everything else runs on the
 * one event-loop thread.
 */
final class NettyEpollRelay implements AutoCloseable {
    /** recvmmsg slot size: MTU-sized media datagrams fit; proxy-core's slots are 64 KiB. */
    static final int MAX_PAYLOAD = 2048;
    /**
     * Datagrams per recvmmsg (system property {@code originproxy.bench.netty.batch}). 16: a
     * 16 × 2048-byte receive buffer fits the pooled allocator's thread cache (default limit 32 KiB);
     * 64, as in proxy-core's mmsg transport, makes every read a 128 KiB arena allocation and measured
     * 0.8–0.9× the throughput with 8 clients. The benchmark never has more than 16 datagrams in flight.
     */
    static final int BATCH = Integer.getInteger("originproxy.bench.netty.batch", 16);

    private final InetSocketAddress upstream;
    private final MultiThreadIoEventLoopGroup group;
    private Channel listening;
    private Bootstrap legBootstrap;
    private final Map<InetSocketAddress, Channel> legs = new HashMap<>();
    private final List<Channel> legsToFlush = new ArrayList<>();
    private boolean listeningFlushQueued;
    private final Runnable flushListening = this::flushListening;
    private long fromClients;
    private long fromUpstream;
    private long dropped;

    private NettyEpollRelay(InetSocketAddress upstream) {
        this.upstream = upstream;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("netty-relay", true),
                EpollIoHandler.newFactory());
    }

    /** Binds the listening socket on {@code bind} and relays every client to {@code upstream}. */
    static NettyEpollRelay start(InetSocketAddress bind, InetSocketAddress upstream) throws InterruptedException {
        Epoll.ensureAvailability();
        NettyEpollRelay relay = new NettyEpollRelay(upstream);
        try {
            relay.legBootstrap = relay.bootstrap();
            relay.listening = relay.bootstrap().handler(relay.new FromClients()).bind(bind).sync().channel();
            return relay;
        } catch (RuntimeException | InterruptedException e) {
            relay.close();
            throw e;
        }
    }

    private Bootstrap bootstrap() {
        return new Bootstrap().group(group)
                .channel(EpollDatagramChannel.class)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_PAYLOAD)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_PAYLOAD * BATCH));
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) listening.localAddress();
    }

    /** Counters, read after the load stopped (plain fields written by the loop thread). */
    String stats() {
        return "netty-epoll fromClients=" + fromClients + " fromUpstream=" + fromUpstream + " dropped=" + dropped
                + " legs=" + legs.size();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void flushListening() {
        listeningFlushQueued = false;
        listening.flush();
    }

    /** Reads the listening socket: each datagram goes out of its client's leg. */
    private final class FromClients extends SimpleChannelInboundHandler<DatagramPacket> {
        FromClients() {
            super(false); // the content is handed on to the leg's write, which releases it
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress client = packet.sender();
            ByteBuf content = packet.content();
            fromClients++;
            Channel leg = legs.get(client);
            if (leg == null) {
                ChannelFuture connect = legBootstrap.clone().handler(new FromUpstream(client)).connect(upstream);
                leg = connect.channel();
                legs.put(client, leg);
                if (!connect.isDone()) {
                    // Registration and connect run inline on the loop thread; this is the fallback.
                    Channel pending = leg;
                    connect.addListener(f -> {
                        if (f.isSuccess()) {
                            pending.writeAndFlush(content, pending.voidPromise());
                        } else {
                            content.release();
                            dropped++;
                        }
                    });
                    return;
                }
                if (!connect.isSuccess()) {
                    legs.remove(client);
                    content.release();
                    dropped++;
                    return;
                }
            }
            if (!leg.isWritable()) {
                content.release();
                dropped++;
                return;
            }
            leg.write(content, leg.voidPromise());
            if (legsToFlush.isEmpty() || legsToFlush.get(legsToFlush.size() - 1) != leg) {
                legsToFlush.add(leg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            for (int i = 0; i < legsToFlush.size(); i++) {
                legsToFlush.get(i).flush(); // flushing a leg with nothing pending is a no-op
            }
            legsToFlush.clear();
        }
    }

    /** Reads one leg's connected upstream socket: each datagram goes back to the leg's client. */
    private final class FromUpstream extends SimpleChannelInboundHandler<DatagramPacket> {
        private final InetSocketAddress client;

        FromUpstream(InetSocketAddress client) {
            super(false);
            this.client = client;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            fromUpstream++;
            if (!listening.isWritable()) {
                packet.release();
                dropped++;
                return;
            }
            listening.write(new DatagramPacket(packet.content(), client), listening.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!listeningFlushQueued) {
                listeningFlushQueued = true;
                EventLoop loop = ctx.channel().eventLoop();
                loop.execute(flushListening);
            }
        }
    }
}
