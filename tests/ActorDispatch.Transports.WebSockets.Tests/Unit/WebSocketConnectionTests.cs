using System.Collections.Concurrent;
using System.Net.WebSockets;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;
using ActorDispatch.Transports.WebSockets.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorDispatch.Transports.WebSockets.Tests.Unit;

/// <summary>
/// The connection's queues, against a peer that reads nothing: its stream accepts no bytes, so the
/// writer stalls on the first frame and everything else stays queued.
/// </summary>
public sealed class WebSocketConnectionTests
{
    private static readonly WebSocketsSettings Settings = new(
        PingInterval: TimeSpan.Zero, PingTimeout: TimeSpan.Zero, MaxFrameSize: 1024, MaxConnections: 0,
        MaxQueuedChangeEvents: 5, CloseTimeout: TimeSpan.FromMilliseconds(200), MaxEphemeralSubscriptions: 100, MaxReadAhead: 1000,
        MaxQueuedBytes: 16 * 1024 * 1024);

    private static readonly ChangeEvent Change = new() { Collection = "events", Type = ChangeEventType.Created, Namespace = "ns" };

    private static readonly SubscriptionRef Subscription = new() { Id = Guid.NewGuid(), Namespace = "ns", Name = "app1" };

    private static EventDelivery Delivery(long sequence) => new(new Event
    {
        Id = Guid.NewGuid(), Sequence = sequence, Type = "t", Namespace = "ns", Created = DateTimeOffset.UtcNow,
    }, Subscription);

    [Fact]
    public async Task Change_events_beyond_the_bound_are_dropped_but_deliveries_are_never_dropped_while_open()
    {
        await using var peer = new Peer();
        using var stopping = new CancellationTokenSource();
        var run = peer.Connection.RunAsync(() => null, stopping.Token);

        peer.Connection.Notify(Change);
        await peer.Stream.FirstWrite.WaitAsync(TimeSpan.FromSeconds(10)); // the writer now holds that one
        for (var i = 0; i < 20; i++) peer.Connection.Notify(Change);
        for (var i = 1; i <= 100; i++) peer.Connection.Deliver(Delivery(i));

        var status = peer.Connection.Status();
        Assert.Equal(15, status.DroppedChangeEvents); // 5 queued
        Assert.Equal(100, status.InFlight);

        await stopping.CancelAsync();
        peer.Connection.Deliver(Delivery(101)); // closing: dropped, the engine redelivers from the committed offset
        Assert.Equal(100, peer.Connection.Status().InFlight);

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([peer.Connection.Id], peer.Closed);
    }

    [Fact]
    public async Task Running_ends_and_reports_the_close_when_the_peer_never_completes_the_handshake()
    {
        await using var peer = new Peer();
        using var stopping = new CancellationTokenSource();
        var run = peer.Connection.RunAsync(() => null, stopping.Token);

        await stopping.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([peer.Connection.Id], peer.Closed);
        Assert.Equal([peer.Connection.Id], peer.Callbacks.ClosedConnections);
    }

    /// <summary>A connection over a <see cref="PeerStream"/> that reads nothing, reporting its close.</summary>
    private sealed class Peer : IAsyncDisposable
    {
        public Peer()
        {
            var socket = WebSocket.CreateFromStream(Stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            Connection = new WebSocketConnection(socket, null, "127.0.0.1:1", "unit", Settings, Callbacks, NullLogger.Instance, c =>
            {
                Closed.Add(c.Id);
                Callbacks.ConnectionClosed(c.Id);
            });
        }

        public PeerStream Stream { get; } = new(stallWrites: true);

        public RecordingCallbacks Callbacks { get; } = new();

        public ConcurrentBag<string> Closed { get; } = [];

        public WebSocketConnection Connection { get; }

        public ValueTask DisposeAsync() => Stream.DisposeAsync();
    }
}
