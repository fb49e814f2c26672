using System.Globalization;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// The transport's configuration, read once from <c>actordispatch.transports.websockets</c>. The keys
/// and their defaults are declared here and nowhere else (<see cref="Declare"/>).
/// </summary>
internal sealed record WebSocketsSettings(
    TimeSpan PingInterval,
    TimeSpan PingTimeout,
    int MaxFrameSize,
    int MaxConnections,
    int MaxQueuedChangeEvents,
    TimeSpan CloseTimeout,
    int MaxEphemeralSubscriptions,
    int MaxReadAhead,
    long MaxQueuedBytes)
{
    public const string PingIntervalKey = "pingInterval";
    public const string PingTimeoutKey = "pingTimeout";
    public const string MaxFrameSizeKey = "maxFrameSize";
    public const string MaxConnectionsKey = "maxConnections";
    public const string MaxQueuedChangeEventsKey = "maxQueuedChangeEvents";
    public const string CloseTimeoutKey = "closeTimeout";
    public const string MaxEphemeralSubscriptionsKey = "maxEphemeralSubscriptions";
    public const string MaxReadAheadKey = "maxReadAhead";
    public const string MaxQueuedBytesKey = "maxQueuedBytes";

    /// <summary>Declares every key with its default: the single source of the transport's defaults.</summary>
    public static void Declare(TransportConfigBuilder config) => config
        // WebSocket ping every 30s; 0 turns keep-alive off.
        .AddKnownKey(PingIntervalKey, "30s")
        // A peer that has not answered a ping within this is dead: the connection is closed and its
        // subscriptions fail over. 0 waits forever (pings then only keep proxies from idling out).
        .AddKnownKey(PingTimeoutKey, "30s")
        // Largest client message (reassembled from its fragments); larger is a protocol error.
        .AddKnownKey(MaxFrameSizeKey, "1MiB")
        // Upgrades beyond this many open connections are refused with 503; 0 means no limit.
        .AddKnownKey(MaxConnectionsKey, "1000")
        // Change events waiting to be written on one connection; more are dropped (they are best effort).
        .AddKnownKey(MaxQueuedChangeEventsKey, "1000")
        // How long a closing connection waits for the peer's close frame before it is aborted.
        .AddKnownKey(CloseTimeoutKey, "5s")
        // Ephemeral subscriptions one connection may start; each reads the log on its own.
        .AddKnownKey(MaxEphemeralSubscriptionsKey, "100")
        // The largest readahead a client may ask for its ephemeral subscriptions: each delivery in
        // flight is held for it, so this bounds what one client can make the server keep.
        .AddKnownKey(MaxReadAheadKey, "1000")
        // Deliveries waiting to be written on one connection, in bytes of event data: a client that
        // reads slower than its subscriptions deliver is closed with 1008 beyond this (a slow
        // consumer, as NATS closes one at max_pending), and its subscriptions fail over.
        .AddKnownKey(MaxQueuedBytesKey, "16MiB");

    public static WebSocketsSettings From(TransportConfig config)
    {
        var settings = new WebSocketsSettings(
            config.GetDuration(PingIntervalKey),
            config.GetDuration(PingTimeoutKey),
            ByteSize(config, MaxFrameSizeKey),
            config.GetInt(MaxConnectionsKey),
            config.GetInt(MaxQueuedChangeEventsKey),
            config.GetDuration(CloseTimeoutKey),
            config.GetInt(MaxEphemeralSubscriptionsKey),
            config.GetInt(MaxReadAheadKey),
            ByteSize(config, MaxQueuedBytesKey));
        if (settings.MaxFrameSize < 64) throw Invalid(config, MaxFrameSizeKey, "must be at least 64 bytes");
        if (settings.MaxConnections < 0) throw Invalid(config, MaxConnectionsKey, "must be 0 (no limit) or more");
        if (settings.MaxQueuedChangeEvents < 1) throw Invalid(config, MaxQueuedChangeEventsKey, "must be 1 or more");
        if (settings.CloseTimeout <= TimeSpan.Zero) throw Invalid(config, CloseTimeoutKey, "must be a positive duration");
        if (settings.MaxEphemeralSubscriptions < 1) throw Invalid(config, MaxEphemeralSubscriptionsKey, "must be 1 or more");
        if (settings.MaxReadAhead < 0) throw Invalid(config, MaxReadAheadKey, "must be 0 or more");
        if (settings.MaxQueuedBytes < 1024) throw Invalid(config, MaxQueuedBytesKey, "must be at least 1KiB");
        return settings;
    }

    /// <summary>The keep-alive timeout as <see cref="System.Net.WebSockets.WebSocket"/> wants it: infinite when turned off.</summary>
    public TimeSpan EffectivePingTimeout =>
        PingInterval > TimeSpan.Zero && PingTimeout > TimeSpan.Zero ? PingTimeout : Timeout.InfiniteTimeSpan;

    // Sizes as FireFly writes them ("16Kb", "1MiB", 1024-based) or plain bytes.
    private static int ByteSize(TransportConfig config, string key)
    {
        var text = (config.GetString(key) ?? "").Trim();
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        var multiplier = text[digits..].Trim().ToLowerInvariant() switch
        {
            "" or "b" => 1L,
            "k" or "kb" or "kib" => 1024L,
            "m" or "mb" or "mib" => 1024L * 1024,
            _ => 0L,
        };
        if (digits == 0 || multiplier == 0 || !long.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ||
            n * multiplier > int.MaxValue)
            throw Invalid(config, key, $"'{text}' is not a size such as 1048576, 64KiB or 1MiB");
        return (int)(n * multiplier);
    }

    private static ActorDispatchException Invalid(TransportConfig config, string key, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid 'actordispatch.transports.{config.TransportName}.{key}': {problem}");
}
