using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>The transport's log messages: structured, and free when their level is off.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "WebSocket connection {ConnectionId} opened from {RemoteAddress}")]
    public static partial void Opened(ILogger logger, string connectionId, string? remoteAddress);

    [LoggerMessage(2, LogLevel.Information, "WebSocket connection {ConnectionId} closed")]
    public static partial void Closed(ILogger logger, string connectionId);

    [LoggerMessage(3, LogLevel.Information, "WebSocket connection {ConnectionId} started {Kind} subscription {Namespace}/{Name} ({SubscriptionId})")]
    public static partial void Started(ILogger logger, string connectionId, string kind, string @namespace, string name, Guid subscriptionId);

    [LoggerMessage(4, LogLevel.Warning, "Protocol error on WebSocket connection {ConnectionId}; closing it: {Error}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string error);

    [LoggerMessage(5, LogLevel.Information, "Ignoring an ack for {Id} on WebSocket connection {ConnectionId}: not in flight here (late, duplicate, or made on an earlier connection)")]
    public static partial void AckNotInFlight(ILogger logger, string connectionId, Guid id);

    [LoggerMessage(6, LogLevel.Information, "WebSocket connection {ConnectionId} ended abnormally: {Reason}")]
    public static partial void Broken(ILogger logger, string connectionId, string reason);

    [LoggerMessage(7, LogLevel.Debug, "Dropped a change event on WebSocket connection {ConnectionId}: {Queued} already queued")]
    public static partial void ChangeEventDropped(ILogger logger, string connectionId, int queued);

    [LoggerMessage(8, LogLevel.Warning, "WebSocket connection {ConnectionId}: 'changeEvents' is only served to ephemeral subscriptions and is ignored for {Namespace}/{Name}")]
    public static partial void ChangeEventsIgnored(ILogger logger, string connectionId, string @namespace, string name);

    [LoggerMessage(9, LogLevel.Warning, "Refused a WebSocket upgrade from {RemoteAddress}: {Reason}")]
    public static partial void Refused(ILogger logger, string? remoteAddress, string reason);

    [LoggerMessage(10, LogLevel.Error, "WebSocket connection {ConnectionId} failed; closing it")]
    public static partial void Failed(ILogger logger, string connectionId, Exception error);

    [LoggerMessage(11, LogLevel.Warning, "WebSocket connection {ConnectionId} is a slow consumer ({Queued} bytes queued, maxQueuedBytes {Max}); closing it with 1008")]
    public static partial void SlowConsumer(ILogger logger, string connectionId, long queued, long max);
}
