using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// The deliveries written to one connection and not yet answered, in delivery order, so that an ack
/// can name one by id (and subscription), or take the oldest. Not thread-safe: the connection locks.
/// The engine clears its own in-flight set when a subscription rewinds and replays from the committed
/// offset; this mirrors that, so that an ack without id never picks a delivery the engine forgot:
/// <list type="bullet">
/// <item>a reject forgets every delivery of that subscription (<see cref="Forget"/>);</item>
/// <item>a delivery at or below a sequence already delivered for its subscription is a replay, and
/// replaces every delivery of that subscription from that sequence on.</item>
/// </list>
/// </summary>
internal sealed class InFlightDeliveries
{
    /// <summary>An event (or a batch, by its batch id) in flight for a subscription, covering sequences <see cref="First"/>..<see cref="Last"/>.</summary>
    public sealed record Entry(Guid Id, SubscriptionRef Subscription, long First, long Last);

    private readonly LinkedList<Entry> _order = new();
    private readonly Dictionary<Guid, List<LinkedListNode<Entry>>> _byId = new();
    private readonly Dictionary<SubscriptionRef, long> _lastDelivered = new();

    public int Count => _order.Count;

    public void Add(Entry entry)
    {
        if (_lastDelivered.TryGetValue(entry.Subscription, out var last) && entry.First <= last)
            RemoveWhere(e => e.Subscription == entry.Subscription && e.First >= entry.First);
        _lastDelivered[entry.Subscription] = entry.Last;

        var node = _order.AddLast(entry);
        if (!_byId.TryGetValue(entry.Id, out var nodes)) _byId[entry.Id] = nodes = new List<LinkedListNode<Entry>>(1);
        nodes.Add(node);
    }

    /// <summary>Removes and returns the oldest delivery with this id (of the named subscription, if any), or null.</summary>
    public Entry? Take(Guid id, SubscriptionRef? named)
    {
        if (!_byId.TryGetValue(id, out var nodes)) return null;
        foreach (var node in nodes)
        {
            if (named is not null && !SubscriptionRefs.Refers(named, node.Value.Subscription)) continue;
            Remove(node);
            return node.Value;
        }
        return null;
    }

    /// <summary>Removes and returns the oldest delivery (of the named subscription, if any), or null.</summary>
    public Entry? TakeOldest(SubscriptionRef? named)
    {
        for (var node = _order.First; node is not null; node = node.Next)
        {
            if (named is not null && !SubscriptionRefs.Refers(named, node.Value.Subscription)) continue;
            Remove(node);
            return node.Value;
        }
        return null;
    }

    /// <summary>Whether a delivery of the named subscription is in flight.</summary>
    public bool HasSubscription(SubscriptionRef named) => _order.Any(e => SubscriptionRefs.Refers(named, e.Subscription));

    /// <summary>Forgets a subscription's deliveries: it was rejected, and the engine replays them all.</summary>
    public void Forget(SubscriptionRef subscription) => RemoveWhere(e => e.Subscription == subscription);

    private void RemoveWhere(Func<Entry, bool> predicate)
    {
        for (var node = _order.First; node is not null;)
        {
            var next = node.Next;
            if (predicate(node.Value)) Remove(node);
            node = next;
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        var nodes = _byId[node.Value.Id];
        nodes.Remove(node);
        if (nodes.Count == 0) _byId.Remove(node.Value.Id);
    }
}
