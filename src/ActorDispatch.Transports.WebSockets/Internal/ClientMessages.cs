using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>A message from the client, parsed and type-checked (<see cref="ClientMessageParser"/>).</summary>
internal abstract record ClientMessage;

/// <summary>
/// <c>start</c>: attach to a durable subscription by name, or with <see cref="Ephemeral"/> create one
/// that lives as long as the connection. Also what the query-string auto-start produces.
/// </summary>
internal sealed record StartMessage : ClientMessage
{
    public string? Namespace { get; init; }
    public string? Name { get; init; }
    public bool Ephemeral { get; init; }

    /// <summary>Null leaves the connection's setting as it is; a value must equal it once a subscription is started.</summary>
    public bool? AutoAck { get; init; }

    public SubscriptionFilter Filter { get; init; } = SubscriptionFilter.Empty;
    public SubscriptionOptions Options { get; init; } = SubscriptionOptions.Empty;

    /// <summary>A regex on change-event collections; ephemeral subscriptions only.</summary>
    public string? ChangeEvents { get; init; }
}

/// <summary>
/// <c>ack</c>, <c>ack</c> with <c>rejected</c>, or <c>nack</c>. Without <see cref="Id"/> it answers the
/// oldest delivery in flight on the connection; <see cref="Subscription"/> narrows the match.
/// </summary>
internal sealed record AckMessage(Guid? Id, SubscriptionRef? Subscription, bool Rejected, string? Info, NewEvent? Reply, TimeSpan? Delay = null) : ClientMessage;
