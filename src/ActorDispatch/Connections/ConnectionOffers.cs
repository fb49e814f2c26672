namespace ActorDispatch.Connections;

/// <summary>
/// The connections offered to one durable subscription, one per node's registry (keyed by
/// <typeparamref name="TRegistry"/>), in the order the registries first offered. The first offer is
/// the active connection; when its registry withdraws it or goes away, the next one takes over. A
/// registry that offers again (its own active connection changed) keeps its place. Pure and
/// single-threaded; the subscription actor owns one.
/// </summary>
internal sealed class ConnectionOffers<TRegistry, TConnection>
    where TRegistry : notnull
{
    /// <summary>A registry's active connection for this subscription.</summary>
    public sealed record Offer(TRegistry Registry, TConnection Connection, string ConnectionId);

    private readonly List<Offer> _offers = [];

    public Offer? Active => _offers.Count > 0 ? _offers[0] : null;

    public int Count => _offers.Count;

    /// <summary>Adds or replaces a registry's offer; returns true when the active connection changed.</summary>
    public bool Put(Offer offer)
    {
        var before = Active;
        var index = _offers.FindIndex(o => EqualityComparer<TRegistry>.Default.Equals(o.Registry, offer.Registry));
        if (index < 0) _offers.Add(offer);
        else _offers[index] = offer;
        return !Equals(before, Active);
    }

    /// <summary>Removes a registry's offer (withdrawn, or the registry is gone); returns true when the active connection changed.</summary>
    public bool Withdraw(TRegistry registry)
    {
        var before = Active;
        _offers.RemoveAll(o => EqualityComparer<TRegistry>.Default.Equals(o.Registry, registry));
        return !Equals(before, Active);
    }

    public bool Contains(TRegistry registry) => _offers.Exists(o => EqualityComparer<TRegistry>.Default.Equals(o.Registry, registry));
}
