using ActorDispatch.Model;
using Akka.Actor;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// The catalog of durable subscriptions: their persisted definitions, the uniqueness of
/// (namespace, name) and the subscription limit. It starts and drives the subscriptions through the
/// subscription host and tells the connection registries what exists, so that they can assign
/// connections. It holds no connections and no offsets. The actor is <see cref="CatalogActor"/>.
/// </summary>
internal static class Catalog
{
    /// <summary>The catalog's persistence id; existing stores keep theirs, so it never changes.</summary>
    public const string PersistenceId = "subscription-catalog";

    /// <summary>Creates a durable subscription, or with <see cref="Upsert"/> updates the one of that name. Replied to with <see cref="Saved"/>.</summary>
    public sealed record Create(SubscriptionInput Input, bool Upsert);

    public sealed record Saved(Subscription Subscription, bool Created);

    /// <summary>Deletes a durable subscription with its offset; replied to with <see cref="Deleted"/>.</summary>
    public sealed record Delete(string Namespace, string IdOrName);

    public sealed record Deleted(Subscription Subscription);

    /// <summary>Replied to with the <see cref="Subscription"/>.</summary>
    public sealed record Get(string Namespace, string IdOrName);

    /// <summary>Asks <paramref name="catalog"/> for a durable subscription; null when there is none.</summary>
    public static async Task<Subscription?> FindAsync(IActorRef catalog, string @namespace, string idOrName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await catalog.AskEngine<Subscription>(new Get(@namespace, idOrName), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ActorDispatchException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>Replied to with <see cref="Listed"/>.</summary>
    public sealed record List(string Namespace);

    public sealed record Listed(IReadOnlyList<Subscription> Subscriptions);

    /// <summary>
    /// Finds the subscription by id or name and hands it <see cref="Message"/> (a status request or
    /// an operator's request), which it answers itself; NotFound when there is none.
    /// </summary>
    public sealed record ToSubscription(string Namespace, string IdOrName, object Message);

    /// <summary>
    /// From a connection registry: send it the whole catalog now (<see cref="View"/>) and every change
    /// after (<see cref="Changed"/>, <see cref="Removed"/>), until it stops.
    /// </summary>
    public sealed record Watch(IActorRef Watcher);

    /// <summary>To a watcher: every durable subscription.</summary>
    public sealed record View(IReadOnlyList<Subscription> Subscriptions);

    /// <summary>To a watcher: a subscription was created or its definition changed.</summary>
    public sealed record Changed(Subscription Subscription);

    /// <summary>To a watcher: a subscription was deleted.</summary>
    public sealed record Removed(Guid Id);

    /// <summary>
    /// Published on the event stream whenever a catalog incarnation has recovered (after a store
    /// failure it is started again by its supervisor): watchers watch it again.
    /// </summary>
    public sealed record Started
    {
        public static readonly Started Instance = new();
    }
}
