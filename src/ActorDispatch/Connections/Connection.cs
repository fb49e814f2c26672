using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;

namespace ActorDispatch.Connections;

/// <summary>
/// A transport connection as an actor: dispatchers send it deliveries, the transport's callbacks
/// send it responses, and it routes each response to the dispatcher that made the delivery.
/// Transports never see actors. The actor is <see cref="ConnectionActor"/>.
/// </summary>
internal static class Connection
{
    public static Props Props(IEventTransport transport, string connectionId, IActorRef registry) =>
        Akka.Actor.Props.Create(() => new ConnectionActor(transport, connectionId, registry));

    /// <summary>
    /// From the transport's callbacks: the connection is gone. Queued behind the responses that came
    /// before it, so those still count; then the registry is told and the actor stops.
    /// </summary>
    public sealed record Close
    {
        public static readonly Close Instance = new();
    }

    /// <summary>
    /// From the transport's callbacks, beside their message to the registry: what to send the
    /// registry again if it restarts (it keeps connections in memory only).
    /// </summary>
    public sealed record Remember(object RegistryMessage);

    /// <summary>From a dispatcher: deliver one event or one batch (payloads already left out without <c>withData</c>).</summary>
    public sealed record Deliver(Subscription Subscription, EventDelivery? Single, EventDeliveryBatch? Batch)
    {
        public Guid Id => Single?.Event.Id ?? Batch!.Id;
    }

    /// <summary>From the transport's callbacks: a response to a delivery made on this connection.</summary>
    public sealed record Respond(EventDeliveryResponse Response);

    /// <summary>To a dispatcher: the transport failed to make a delivery; treated as a reject.</summary>
    public sealed record DeliveryFailed(Guid Id, string Reason);

    /// <summary>
    /// To a dispatcher: a receiver's response to one of its deliveries. A response that named no
    /// subscription also lists the connection's other dispatchers: one that does not have the
    /// delivery in flight passes the response on to the next.
    /// </summary>
    public sealed record Responded(EventDeliveryResponse Response, IReadOnlyList<IActorRef> Others);
}
