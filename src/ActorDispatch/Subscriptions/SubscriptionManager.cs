using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// The registry of subscriptions and connections: the catalog of durable subscriptions
/// (persistent), the connections transports registered with their matchers, and which connection is
/// active for each subscription. The actor is <see cref="SubscriptionManagerActor"/>.
/// </summary>
internal static class SubscriptionManager
{
    public const string PersistenceId = "subscription-catalog";

    /// <summary>Creates a durable subscription, or with <see cref="Upsert"/> updates the one of that name. Replied to with <see cref="Saved"/>.</summary>
    public sealed record Create(SubscriptionInput Input, bool Upsert);

    public sealed record Saved(Subscription Subscription, bool Created);

    /// <summary>Deletes a durable subscription with its offset; replied to with <see cref="Deleted"/>.</summary>
    public sealed record Delete(string Namespace, string IdOrName);

    public sealed record Deleted(Subscription Subscription);

    /// <summary>Replied to with the <see cref="Subscription"/>.</summary>
    public sealed record Get(string Namespace, string IdOrName);

    /// <summary>Asks <paramref name="manager"/> for a durable subscription; null when there is none.</summary>
    public static async Task<Subscription?> FindAsync(IActorRef manager, string @namespace, string idOrName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await manager.AskEngine<Subscription>(new Get(@namespace, idOrName), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ActorDispatchException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>Replied to with an <c>IReadOnlyList&lt;Subscription&gt;</c>.</summary>
    public sealed record List(string Namespace);

    /// <summary>Replied to with the <see cref="SubscriptionStatus"/>.</summary>
    public sealed record GetStatus(string Namespace, string IdOrName);

    /// <summary>Replied to with <see cref="SubscriptionActors"/>: used to flush offsets at shutdown.</summary>
    public sealed record GetSubscriptionActors
    {
        public static readonly GetSubscriptionActors Instance = new();
    }

    public sealed record SubscriptionActors(IReadOnlyList<IActorRef> Actors);

    /// <summary>
    /// Published on the event stream whenever a manager incarnation has recovered: connections
    /// register again (the registry of connections lives in memory), so a manager restarted after a
    /// store failure serves them as before.
    /// </summary>
    public sealed record Started
    {
        public static readonly Started Instance = new();
    }

    /// <summary>From a connection actor: (re-)register a connection and its matcher.</summary>
    public sealed record RegisterConnection(string Transport, string ConnectionId, SubscriptionMatcher Matcher, IActorRef Connection);

    /// <summary>From a transport's callbacks: the connection is gone.</summary>
    public sealed record ConnectionClosed(string ConnectionId);

    /// <summary>
    /// From a transport's callbacks: start an ephemeral subscription on a connection; replied to with
    /// the <see cref="Subscription"/>. Idempotent by <see cref="Id"/>, so a connection can send it again.
    /// </summary>
    public sealed record CreateEphemeral(Guid Id, string Transport, string ConnectionId, IActorRef Connection, string Namespace,
        SubscriptionFilter Filter, SubscriptionOptions Options, string? ChangeEvents);
}
