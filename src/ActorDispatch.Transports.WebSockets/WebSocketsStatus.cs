using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets;

/// <summary>
/// The transport's state for <c>GET /api/v1/websockets</c>, in FireFly's shape
/// (<c>{"enabled":true,"connections":[…]}</c>). Serialise with <see cref="ActorDispatchJson.Options"/>.
/// </summary>
/// <param name="Enabled">The engine has started the transport, so upgrades are accepted.</param>
/// <param name="Connections">The open connections.</param>
public sealed record WebSocketsStatus(bool Enabled, IReadOnlyList<WebSocketConnectionStatus> Connections);

/// <summary>One open WebSocket connection.</summary>
public sealed record WebSocketConnectionStatus
{
    /// <summary>The connection id the engine knows it by (a subscription's <c>status.connection</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The peer's address and port, as the server sees it (behind a proxy: the proxy's).</summary>
    public string? RemoteAddress { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>(ext) When the upgrade was accepted.</summary>
    public DateTimeOffset Connected { get; init; }

    /// <summary>(ext) Deliveries are acked as soon as they are written.</summary>
    public bool AutoAck { get; init; }

    /// <summary>(ext) Deliveries (events or batches) written or queued and not yet answered; always 0 with <see cref="AutoAck"/>.</summary>
    public int InFlight { get; init; }

    /// <summary>(ext) Best-effort change events dropped because the client did not keep up.</summary>
    public long DroppedChangeEvents { get; init; }

    /// <summary>The subscriptions started on the connection, in the order they were started.</summary>
    public IReadOnlyList<WebSocketSubscriptionStatus> Subscriptions { get; init; } = [];
}

/// <summary>A subscription started on a connection.</summary>
/// <param name="Id">The subscription's id.</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Name">Its name (<c>ephemeral-…</c> for an ephemeral one).</param>
/// <param name="Ephemeral">It lives only as long as the connection.</param>
public sealed record WebSocketSubscriptionStatus(Guid Id, string Namespace, string Name, bool Ephemeral)
{
    internal SubscriptionRef Ref => new() { Id = Id, Namespace = Namespace, Name = Name };
}
