using System.Collections.Concurrent;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorDispatch.Transports.WebSockets;

/// <summary>
/// The connect-in WebSocket transport <c>websockets</c> (FireFly's protocol, docs/protocol.md): clients
/// connect to the endpoint mapped by
/// <see cref="WebSocketsHostingExtensions.MapActorDispatchWebSockets(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string)"/>,
/// start durable or ephemeral subscriptions, and ack each delivery. One instance serves one engine:
/// register it once in DI (<see cref="WebSocketsHostingExtensions.AddActorDispatchWebSockets"/>), add it to the engine
/// (<see cref="WebSocketsHostingExtensions.AddWebSockets"/>) and map the endpoint.
/// </summary>
/// <remarks>
/// Configuration (HOCON <c>actordispatch.transports.websockets</c>): <c>pingInterval</c> (30s),
/// <c>pingTimeout</c> (30s, dead-peer detection), <c>maxFrameSize</c> (1MiB), <c>maxConnections</c>
/// (1000, 0 = no limit), <c>maxQueuedChangeEvents</c> (1000 per connection), <c>closeTimeout</c> (5s).
/// Subscriptions of this transport have no options of their own.
/// </remarks>
public sealed class WebSocketsTransport : IEventTransport, IChangeEventListener, IAsyncDisposable
{
    /// <summary>The transport's name, as subscriptions' <c>transport</c> give it.</summary>
    public const string TransportName = "websockets";

    private readonly ConcurrentDictionary<string, WebSocketConnection> _connections = new(StringComparer.Ordinal);
    private readonly ILogger _log;
    private Runtime? _runtime;
    private int _reserved;
    private readonly CancellationTokenSource _stopping = new();

    /// <param name="loggerFactory">Where the transport logs (category <c>ActorDispatch.Transports.WebSockets</c>); none when null.</param>
    public WebSocketsTransport(ILoggerFactory? loggerFactory = null) =>
        _log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ActorDispatch.Transports.WebSockets");

    /// <summary>What the engine gives the transport at start-up.</summary>
    internal sealed record Runtime(WebSocketsSettings Settings, ITransportCallbacks Callbacks);

    public string Name => TransportName;

    public TransportCapabilities Capabilities { get; } = new(ChangeEvents: true, BatchDelivery: true);

    public void InitConfig(TransportConfigBuilder config) => WebSocketsSettings.Declare(config);

    public Task InitAsync(TransportConfig config, ITransportCallbacks callbacks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callbacks);
        var runtime = new Runtime(WebSocketsSettings.From(config), callbacks);
        if (Interlocked.CompareExchange(ref _runtime, runtime, null) is not null)
            throw new InvalidOperationException("the websockets transport is already started; use one instance per engine");
        return Task.CompletedTask;
    }

    /// <summary>No options of its own: the receiver decides per message how to answer, and the core options cover the rest.</summary>
    public JsonDocument GetOptionsSchema() => JsonDocument.Parse("""{"type":"object","properties":{},"additionalProperties":false}""");

    /// <summary>
    /// Accepts the options unchanged. Unlike FireFly, <c>withData</c> is allowed (the data goes in the
    /// delivery's <c>data</c> field) and defaults to the engine's <c>false</c>.
    /// </summary>
    public SubscriptionOptions ValidateOptions(SubscriptionOptions options) => options;

    /// <summary>Queues the delivery on the connection before returning; a closed connection drops it silently.</summary>
    public Task DeliveryRequestAsync(string connectionId, Subscription subscription, EventDelivery delivery, JsonElement? data,
        CancellationToken cancellationToken = default)
    {
        if (_connections.TryGetValue(connectionId, out var connection)) connection.Deliver(delivery);
        return Task.CompletedTask;
    }

    /// <summary>Queues an <c>event_batch</c> frame on the connection before returning; a closed connection drops it silently.</summary>
    public Task BatchDeliveryRequestAsync(string connectionId, Subscription subscription, EventDeliveryBatch batch,
        CancellationToken cancellationToken = default)
    {
        if (_connections.TryGetValue(connectionId, out var connection)) connection.Deliver(batch);
        return Task.CompletedTask;
    }

    /// <summary>Queues a <c>change_notification</c> frame, best effort: dropped when the connection is gone or its change-event queue is full.</summary>
    public void ChangeEvent(string connectionId, ChangeEvent changeEvent)
    {
        if (_connections.TryGetValue(connectionId, out var connection)) connection.Notify(changeEvent);
    }

    /// <summary>The open connections, with the subscriptions started on each and their deliveries in flight.</summary>
    public IReadOnlyList<WebSocketConnectionStatus> Connections =>
        _connections.Values.Select(c => c.Status()).OrderBy(s => s.Connected).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();

    /// <summary>The status in FireFly's shape, for <c>GET /api/v1/websockets</c>.</summary>
    public WebSocketsStatus GetStatus() => new(Enabled: Started is not null, Connections);

    internal ILogger Logger => _log;

    /// <summary>
    /// Closes every connection with 1001 (going away) and refuses new ones; called by the engine when it
    /// stops (after committing offsets) and by DI when the host is disposed. In an ASP.NET Core host the
    /// connections have usually closed already, when the application started stopping.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var bound = (Volatile.Read(ref _runtime)?.Settings.CloseTimeout ?? TimeSpan.Zero) * 3; // no runtime: no connections either
        try
        {
            await Task.WhenAll(_connections.Values.Select(c => c.Finished)).WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Each connection aborts itself after closeTimeout; this only bounds the wait.
        }
    }

    /// <summary>The engine's settings and callbacks, or null before the engine has started the transport or after it stopped.</summary>
    internal Runtime? Started => _stopping.IsCancellationRequested ? null : Volatile.Read(ref _runtime);

    /// <summary>Cancelled when the transport stops: every connection, even one accepted meanwhile, closes with 1001.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>Takes a connection slot, or false when <c>maxConnections</c> are open.</summary>
    internal bool TryReserveConnection(int maxConnections)
    {
        var reserved = Interlocked.Increment(ref _reserved);
        if (maxConnections == 0 || reserved <= maxConnections) return true;
        Interlocked.Decrement(ref _reserved);
        return false;
    }

    internal void ReleaseConnection() => Interlocked.Decrement(ref _reserved);

    /// <summary>Makes the connection reachable for deliveries; it detaches itself when it closes.</summary>
    internal WebSocketConnection Open(Runtime runtime, System.Net.WebSockets.WebSocket socket, ConnectionStream? stream, string? remoteAddress, string? userAgent,
        INamespaceAccess? access = null)
    {
        var connection = new WebSocketConnection(socket, stream, remoteAddress, userAgent, runtime.Settings, runtime.Callbacks, _log, closed =>
        {
            _connections.TryRemove(closed.Id, out _);
            runtime.Callbacks.ConnectionClosed(closed.Id);
        }, access);
        _connections[connection.Id] = connection;
        return connection;
    }
}
