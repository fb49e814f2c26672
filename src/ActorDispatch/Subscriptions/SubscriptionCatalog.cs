using System.Collections.Immutable;
using ActorDispatch.Model;
using ActorDispatch.Serialization;

namespace ActorDispatch.Subscriptions;

/// <summary>Persisted changes to the catalog of durable subscriptions.</summary>
internal static class CatalogEvents
{
    public sealed record Added(Subscription Definition) : IPersistedMessage;

    public sealed record Updated(Subscription Definition) : IPersistedMessage;

    public sealed record Removed(Guid Id) : IPersistedMessage;

    public sealed record Snapshot(IReadOnlyList<Subscription> Subscriptions) : IPersistedMessage;
}

/// <summary>
/// The durable subscriptions by id and by (namespace, name): immutable state of the
/// <see cref="CatalogActor"/>, changed only by applying persisted <see cref="CatalogEvents"/>.
/// </summary>
internal sealed record SubscriptionCatalog
{
    public static readonly SubscriptionCatalog Empty = new();

    public ImmutableDictionary<Guid, Subscription> ById { get; init; } = ImmutableDictionary<Guid, Subscription>.Empty;

    public ImmutableDictionary<(string Namespace, string Name), Guid> ByName { get; init; } =
        ImmutableDictionary<(string Namespace, string Name), Guid>.Empty;

    public int Count => ById.Count;

    public SubscriptionCatalog Apply(object e) => e switch
    {
        CatalogEvents.Added a => Put(a.Definition),
        CatalogEvents.Updated u => Remove(u.Definition.Id).Put(u.Definition),
        CatalogEvents.Removed r => Remove(r.Id),
        CatalogEvents.Snapshot s => s.Subscriptions.Aggregate(Empty, (c, d) => c.Put(d)),
        _ => this,
    };

    public CatalogEvents.Snapshot ToSnapshot() => new(ById.Values.OrderBy(s => s.Created).ToArray());

    /// <summary>Finds a subscription by id (in its namespace) or by name.</summary>
    public Subscription? Find(string @namespace, string idOrName)
    {
        if (Guid.TryParse(idOrName, out var id) && ById.TryGetValue(id, out var byId) && byId.Namespace == @namespace) return byId;
        return ByName.TryGetValue((@namespace, idOrName), out var named) ? ById[named] : null;
    }

    /// <summary>Why one more subscription in <paramref name="namespace"/> is refused, or null when there is room.</summary>
    public ActorDispatchException? Full(string @namespace, int max, int maxPerNamespace) =>
        Count >= max ? Errors.TooManySubscriptions(max)
        : ById.Values.Count(s => s.Namespace == @namespace) >= maxPerNamespace ? Errors.TooManySubscriptionsInNamespace(@namespace, maxPerNamespace)
        : null;

    public IEnumerable<Subscription> InNamespace(string @namespace) =>
        ById.Values.Where(s => s.Namespace == @namespace).OrderBy(s => s.Created).ThenBy(s => s.Name, StringComparer.Ordinal);

    private SubscriptionCatalog Put(Subscription s) => this with
    {
        ById = ById.SetItem(s.Id, s),
        ByName = ByName.SetItem((s.Namespace, s.Name), s.Id),
    };

    private SubscriptionCatalog Remove(Guid id) => ById.TryGetValue(id, out var s)
        ? this with { ById = ById.Remove(id), ByName = ByName.Remove((s.Namespace, s.Name)) }
        : this;
}
