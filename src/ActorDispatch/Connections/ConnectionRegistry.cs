using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;

namespace ActorDispatch.Connections;

/// <summary>
/// The connections of one node: what each transport registered with its matcher, which of them is
/// active for each durable subscription (<see cref="ConnectionAssignments"/>), offered to the
/// subscriptions wherever they run, and the ephemeral subscriptions, which live and end with their
/// connection. In memory only: connections belong to the node their client reached. The actor is
/// <see cref="ConnectionRegistryActor"/>.
/// </summary>
internal static class ConnectionRegistry
{
    /// <summary>From a transport's callbacks: (re-)register a connection and its matcher.</summary>
    public sealed record RegisterConnection(string Transport, string ConnectionId, SubscriptionMatcher Matcher, IActorRef Connection);

    /// <summary>From a connection actor: the connection is gone.</summary>
    public sealed record ConnectionClosed(string ConnectionId);

    /// <summary>
    /// From a transport's callbacks: start an ephemeral subscription on a connection; replied to with
    /// the <see cref="Subscription"/>. Idempotent by <see cref="Id"/>, so a connection can send it again.
    /// </summary>
    public sealed record CreateEphemeral(Guid Id, string Transport, string ConnectionId, IActorRef Connection, string Namespace,
        SubscriptionFilter Filter, SubscriptionOptions Options, string? ChangeEvents);

    /// <summary>A durable subscription has recovered: offer it this node's active connection, if any.</summary>
    public sealed record SubscriptionStarted(Guid Id, IActorRef Subscription);

    /// <summary>
    /// Published on the event stream whenever a registry incarnation starts: connections register
    /// again, so that a registry started again after a failure serves them as before.
    /// </summary>
    public sealed record Started
    {
        public static readonly Started Instance = new();
    }
}
