using System.Net.WebSockets;
using System.Text;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;
using ActorDispatch.Transports.WebSockets.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorDispatch.Transports.WebSockets.Tests.Unit;

/// <summary>The stream under each connection's WebSocket: buffered reads, and writes that the connection's writer holds back.</summary>
public sealed class ConnectionStreamTests
{
    [Fact]
    public async Task Small_reads_are_served_from_one_read_of_the_connection()
    {
        var inner = new ChunkStream([Encoding.ASCII.GetBytes("abcdefgh"), Encoding.ASCII.GetBytes("ij")]);
        var stream = new ConnectionStream(inner);
        var buffer = new byte[3];

        Assert.Equal("abc", await ReadText(stream, buffer));
        Assert.Equal("def", await ReadText(stream, buffer));
        Assert.Equal("gh", await ReadText(stream, buffer));
        Assert.Equal(1, inner.Reads);
        Assert.Equal("ij", await ReadText(stream, buffer));
        Assert.Equal(2, inner.Reads);
        Assert.Equal(0, await stream.ReadAsync(buffer)); // the end of the connection
    }

    [Fact]
    public async Task A_read_as_large_as_the_buffer_goes_straight_to_the_connection()
    {
        var payload = new byte[5000];
        var inner = new ChunkStream([payload]);
        var stream = new ConnectionStream(inner);

        Assert.Equal(payload.Length, await stream.ReadAsync(new byte[8192]));
        Assert.Equal(1, inner.Reads);
    }

    private static async Task<string> ReadText(Stream stream, byte[] buffer) =>
        Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer));

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public async Task Writes_pass_straight_through_when_not_held()
    {
        var inner = new PeerStream();
        var stream = new ConnectionStream(inner);

        await stream.WriteAsync(Bytes("ab"));
        await stream.WriteAsync(Bytes("cd"));

        Assert.Equal(["ab", "cd"], inner.Writes);
    }

    [Fact]
    public async Task Held_writes_leave_in_one_write_in_order_on_release()
    {
        var inner = new PeerStream();
        var stream = new ConnectionStream(inner);

        stream.Hold();
        await stream.WriteAsync(Bytes("ab"));
        await stream.WriteAsync(Bytes("cd"));
        await stream.FlushAsync();
        Assert.Empty(inner.Writes);

        await stream.ReleaseAsync();
        Assert.Equal(["abcd"], inner.Writes);

        await stream.WriteAsync(Bytes("ef")); // no longer held
        Assert.Equal(["abcd", "ef"], inner.Writes);
    }

    [Fact]
    public async Task Held_bytes_are_written_early_once_the_next_write_would_pass_the_limit()
    {
        var inner = new PeerStream();
        var stream = new ConnectionStream(inner, limit: 5);

        stream.Hold();
        await stream.WriteAsync(Bytes("abc"));
        await stream.WriteAsync(Bytes("de"));
        await stream.WriteAsync(Bytes("fg"));
        Assert.Equal(["abcde"], inner.Writes);

        await stream.ReleaseAsync();
        Assert.Equal(["abcde", "fg"], inner.Writes);
    }

    [Fact]
    public async Task A_write_larger_than_the_limit_follows_what_was_held()
    {
        var inner = new PeerStream();
        var stream = new ConnectionStream(inner, limit: 4);

        stream.Hold();
        await stream.WriteAsync(Bytes("ab"));
        await stream.WriteAsync(Bytes("cdefgh"));
        Assert.Equal(["ab", "cdefgh"], inner.Writes);

        await stream.ReleaseAsync();
        Assert.Equal(["ab", "cdefgh"], inner.Writes);
    }

    [Fact]
    public async Task Deliveries_queued_together_leave_the_connection_in_one_write()
    {
        var inner = new PeerStream();
        var stream = new ConnectionStream(inner);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var settings = new WebSocketsSettings(TimeSpan.Zero, TimeSpan.Zero, MaxFrameSize: 1024, MaxConnections: 0, MaxQueuedChangeEvents: 5,
            CloseTimeout: TimeSpan.FromMilliseconds(200), MaxEphemeralSubscriptions: 100, MaxReadAhead: 1000, MaxQueuedBytes: 16 * 1024 * 1024);
        var connection = new WebSocketConnection(socket, stream, "127.0.0.1:1", "unit", settings, new RecordingCallbacks(), NullLogger.Instance, _ => { });
        var subscription = new SubscriptionRef { Id = Guid.NewGuid(), Namespace = "ns", Name = "app1" };
        var ids = Enumerable.Range(1, 10).Select(_ => Guid.NewGuid()).ToList();
        // Queued before the writer runs, so that it finds all ten at once.
        for (var i = 0; i < ids.Count; i++)
            connection.Deliver(new EventDelivery(new Event { Id = ids[i], Sequence = i + 1, Type = "t", Namespace = "ns", Created = DateTimeOffset.UtcNow }, subscription));

        using var stopping = new CancellationTokenSource();
        var run = connection.RunAsync(() => null, stopping.Token);
        await inner.FirstWrite.WaitAsync(TimeSpan.FromSeconds(10));

        var written = Assert.Single(inner.Writes);
        var positions = ids.Select(id => written.IndexOf(id.ToString(), StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);

        await stopping.CancelAsync();
        await inner.DisposeAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_upgrade_gives_the_WebSocket_a_batching_stream_over_the_connection()
    {
        var inner = new PeerStream();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpUpgradeFeature>(new Upgradable(inner));
        Stream? upgraded = null;

        await ConnectionStreamUpgrade.InstallAsync(context, async c => upgraded = await c.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync());

        var batching = ConnectionStreamUpgrade.StreamOf(context);
        Assert.NotNull(batching);
        Assert.Same(batching, upgraded);
        await batching.WriteAsync(Bytes("ab"));
        Assert.Equal(["ab"], inner.Writes);
    }

    /// <summary>Returns its chunks one per read (cut to the reader's buffer), then the end.</summary>
    private sealed class ChunkStream(IReadOnlyList<byte[]> chunks) : Stream
    {
        private int _next;
        private int _offset;

        public int Reads { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            if (_next == chunks.Count) return ValueTask.FromResult(0);
            var chunk = chunks[_next].AsSpan(_offset);
            var n = Math.Min(chunk.Length, buffer.Length);
            chunk[..n].CopyTo(buffer.Span);
            _offset += n;
            if (_offset == chunks[_next].Length) (_next, _offset) = (_next + 1, 0);
            return ValueTask.FromResult(n);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class Upgradable(Stream stream) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => true;

        public Task<Stream> UpgradeAsync() => Task.FromResult(stream);
    }
}
