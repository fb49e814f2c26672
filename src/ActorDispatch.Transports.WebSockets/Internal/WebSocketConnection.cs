using System.Collections.Immutable;
using System.Net.WebSockets;
using System.Threading.Channels;
using ActorDispatch.Model;
using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// One client connection: a reader loop that handles the client's messages in order, and one writer
/// task that drains the outbound queue, so that frames are written in the order they were queued.
/// The queue needs no bound for deliveries, because the subscriptions' <c>readAhead</c> windows bound
/// them; change events are best effort and dropped beyond <c>maxQueuedChangeEvents</c>.
/// The reader is the only receiver and the writer the only sender, as <see cref="WebSocket"/> requires.
/// Split by concern: <c>.Read.cs</c> (client messages), <c>.Write.cs</c> (deliveries and the writer).
/// </summary>
internal sealed partial class WebSocketConnection
{
    private readonly WebSocket _socket;
    // The stream under _socket, when the writer may hold frames back on it to write them together.
    private readonly ConnectionStream? _stream;
    private readonly WebSocketsSettings _settings;
    private readonly ITransportCallbacks _callbacks;
    private readonly ILogger _log;
    private readonly Action<WebSocketConnection> _onClosed;
    // The namespaces the client's credentials allow, or null for every one.
    private readonly INamespaceAccess? _access;
    private readonly Channel<OutboundFrame> _outbound =
        Channel.CreateUnbounded<OutboundFrame>(new UnboundedChannelOptions { SingleReader = true });

    // Cancelled (after closeTimeout) once the connection starts closing, so that a peer that never
    // answers the close handshake cannot hold the reader: it aborts the socket, which ends a pending receive.
    private readonly CancellationTokenSource _abort = new();

    private readonly Lock _lock = new();

    // Guarded by _lock.
    private readonly InFlightDeliveries _inFlight = new();
    private ImmutableList<WebSocketSubscriptionStatus> _started = [];
    private bool? _autoAck;

    // Set under _lock; read without it by the writer.
    private volatile bool _closing;

    // Replaced under _lock, read without it by the engine's matcher.
    private volatile ImmutableHashSet<(string Namespace, string Name)> _durable = [];

    // Completed once the connection has ended and the engine has been told.
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _queuedChangeEvents;
    private long _queuedBytes;
    private long _droppedChangeEvents;

    public WebSocketConnection(WebSocket socket, ConnectionStream? stream, string? remoteAddress, string? userAgent, WebSocketsSettings settings,
        ITransportCallbacks callbacks, ILogger log, Action<WebSocketConnection> onClosed, INamespaceAccess? access = null)
    {
        _access = access;
        _socket = socket;
        _stream = stream;
        _settings = settings;
        _callbacks = callbacks;
        _log = log;
        _onClosed = onClosed;
        _abort.Token.UnsafeRegister(static s => ((WebSocket)s!).Abort(), socket);
        RemoteAddress = remoteAddress;
        UserAgent = userAgent;
    }

    /// <summary>The engine's connection id: a UUID, as FireFly's.</summary>
    public string Id { get; } = Guid.NewGuid().ToString();

    public string? RemoteAddress { get; }

    public string? UserAgent { get; }

    public DateTimeOffset Connected { get; } = DateTimeOffset.UtcNow;

    public WebSocketConnectionStatus Status()
    {
        lock (_lock)
        {
            return new WebSocketConnectionStatus
            {
                Id = Id,
                RemoteAddress = RemoteAddress,
                UserAgent = UserAgent,
                Connected = Connected,
                AutoAck = _autoAck == true,
                InFlight = _inFlight.Count,
                DroppedChangeEvents = Interlocked.Read(ref _droppedChangeEvents),
                Subscriptions = _started,
            };
        }
    }

    /// <summary>
    /// Serves the connection until it ends: the auto-start from the query string (if any), then the
    /// client's messages. A protocol error is reported to the client before the connection closes;
    /// <paramref name="stopping"/> closes it with 1001 (going away). Never throws.
    /// </summary>
    public async Task RunAsync(Func<StartMessage?> autoStart, CancellationToken stopping)
    {
        Log.Opened(_log, Id, RemoteAddress);
        var writer = WriteLoopAsync();
        try
        {
            using var onStopping = stopping.Register(() => RequestClose(new CloseFrame(WebSocketCloseStatus.EndpointUnavailable, "server shutting down")));
            try
            {
                if (autoStart() is { } start) await StartAsync(start).ConfigureAwait(false);
                await ReadLoopAsync().ConfigureAwait(false);
            }
            catch (ProtocolException ex)
            {
                await FailAsync(ex).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The peer went away, stopped answering pings, or did not finish the close handshake in time.
            Log.Broken(_log, Id, ex.Message);
        }
        catch (Exception ex)
        {
            Log.Failed(_log, Id, ex);
        }
        finally
        {
            await CloseAsync(writer).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts closing: <paramref name="frame"/> is the last frame the writer sends, queued deliveries
    /// are no longer written (the engine redelivers them from the committed offset), and the peer has
    /// <c>closeTimeout</c> to complete the handshake. False if the connection was already closing.
    /// </summary>
    private bool RequestClose(ClosingFrame frame)
    {
        lock (_lock)
        {
            if (_closing) return false;
            _closing = true;
        }
        _outbound.Writer.TryWrite(frame);
        try
        {
            _abort.CancelAfter(_settings.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The connection finished closing meanwhile.
        }
        return true;
    }

    /// <summary>Completes once the connection has ended and the engine has been told.</summary>
    public Task Finished => _finished.Task;

    private bool IsClosing => _closing;

    // The reader has ended: tell the engine at once (acks already passed on stay valid and its
    // deliveries here are redelivered elsewhere), let the writer finish the handshake, and release the socket.
    private async Task CloseAsync(Task writer)
    {
        lock (_lock) _closing = true;
        _outbound.Writer.TryComplete();
        _onClosed(this);
        try
        {
            // A close that already timed out (a slow consumer's, say) gave the peer its closeTimeout.
            if (!_abort.IsCancellationRequested) await writer.WaitAsync(_settings.CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A writer stuck on a peer that reads nothing; the abort below ends it.
        }
        if (_socket.State != WebSocketState.Closed) _socket.Abort();
        _socket.Dispose();
        _abort.Dispose();
        Log.Closed(_log, Id);
        _finished.TrySetResult();
    }

    /// <summary>The engine's matcher for this connection: every durable subscription started on it.</summary>
    private bool ServesDurable(SubscriptionRef subscription) =>
        subscription.Namespace is { } ns && subscription.Name is { } name && _durable.Contains((ns, name));
}
