package io.sanref.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * P2's peer: a 32-byte ping-pong through Netty (NIO transport, TCP_NODELAY) on 127.0.0.1. The measuring thread
 * writes the ping and spins until the reply's bytes have arrived; the second thread is Netty's own single event
 * loop, which serves both ends (the server's echo handler and the client's reader), so this too is two threads
 * doing the work. It is not a JMH {@code @Group}: Netty's pong side cannot run on a JMH thread.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class NettyPingPong
{
    static final int MESSAGE = 32;

    EventLoopGroup group;
    Channel serverChannel;
    Channel clientChannel;
    ByteBuf ping;
    final Counter replies = new Counter();
    long expected;
    final Spinner spinner = new Spinner();

    /** Counts bytes that came back; written on the event loop, read by the measuring thread. */
    @ChannelHandler.Sharable
    static final class Counter extends ChannelInboundHandlerAdapter
    {
        volatile long bytes;

        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf buf = (ByteBuf)msg;
            bytes += buf.readableBytes();
            buf.release();
        }
    }

    /** The server end: echo whatever arrives. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter
    {
        static final Echo INSTANCE = new Echo();

        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            ctx.writeAndFlush(msg, ctx.voidPromise());
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException
    {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        serverChannel = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline().addLast(Echo.INSTANCE);
                }
            })
            .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        clientChannel = new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(replies)
            .connect(serverChannel.localAddress()).sync().channel();
        ping = PooledByteBufAllocator.DEFAULT.directBuffer(MESSAGE).writeZero(MESSAGE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException
    {
        clientChannel.close().sync();
        serverChannel.close().sync();
        ping.release();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Benchmark
    public long ping(final Control control)
    {
        if (replies.bytes >= expected)
        {
            expected += MESSAGE;
            clientChannel.writeAndFlush(ping.retainedDuplicate(), clientChannel.voidPromise());
        }
        while (replies.bytes < expected)
        {
            if (spinner.idle(control))
            {
                return -1;
            }
        }
        return expected;
    }
}
