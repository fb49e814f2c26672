using ActorDispatch.Model;
using ActorDispatch.Transports;

namespace ActorDispatch.Connections;

/// <summary>
/// Which of one node's connections is active for each durable subscription. A subscription is
/// served by a connection of its transport whose matcher accepts it; the active one stays while it
/// matches, and otherwise the earliest-registered matching connection takes over (failover order is
/// registration order; registering again with a new matcher keeps a connection's place). Pure and
/// single-threaded: every change returns the subscriptions whose active connection changed, for the
/// registry actor to tell them.
/// </summary>
internal sealed class ConnectionAssignments
{
    /// <summary>The active connection of <see cref="SubscriptionId"/> is now <see cref="ConnectionId"/>, or none.</summary>
    public readonly record struct Change(Guid SubscriptionId, string? ConnectionId);

    private sealed record Registered(string Transport, SubscriptionMatcher Matcher, long Order);

    private readonly Dictionary<string, Registered> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, Subscription> _subscriptions = new();
    private readonly Dictionary<Guid, string> _active = new();
    private readonly Action<string, SubscriptionRef, Exception> _matcherFailed;
    private long _order;

    /// <param name="matcherFailed">Called when a matcher throws; the subscription is then treated as not matched.</param>
    public ConnectionAssignments(Action<string, SubscriptionRef, Exception> matcherFailed) => _matcherFailed = matcherFailed;

    public IEnumerable<Subscription> Subscriptions => _subscriptions.Values;

    public bool IsRegistered(string connectionId) => _connections.ContainsKey(connectionId);

    /// <summary>The active connection of a subscription on this node, if any.</summary>
    public string? ActiveFor(Guid subscriptionId) => _active.GetValueOrDefault(subscriptionId);

    /// <summary>Registers a connection, or changes its matcher.</summary>
    public IReadOnlyList<Change> Register(string connectionId, string transport, SubscriptionMatcher matcher)
    {
        var order = _connections.TryGetValue(connectionId, out var known) ? known.Order : ++_order;
        _connections[connectionId] = new Registered(transport, matcher, order);
        return Reassign(s => s.Transport == transport || (known is not null && s.Transport == known.Transport));
    }

    /// <summary>A connection closed: its subscriptions fail over to the next matching connection, or to none.</summary>
    public IReadOnlyList<Change> Close(string connectionId)
    {
        if (!_connections.Remove(connectionId)) return [];
        return Reassign(s => _active.GetValueOrDefault(s.Id) == connectionId);
    }

    /// <summary>A subscription was created or its definition changed.</summary>
    public IReadOnlyList<Change> Put(Subscription subscription)
    {
        _subscriptions[subscription.Id] = subscription;
        return Reassign(s => s.Id == subscription.Id);
    }

    /// <summary>A subscription was deleted: nothing is told, it stops by itself.</summary>
    public void Remove(Guid subscriptionId)
    {
        _subscriptions.Remove(subscriptionId);
        _active.Remove(subscriptionId);
    }

    /// <summary>Replaces every subscription (the catalog as a whole, after it restarted); returns the changes.</summary>
    public IReadOnlyList<Change> Reset(IEnumerable<Subscription> subscriptions)
    {
        var changes = new List<Change>();
        var next = subscriptions.ToDictionary(s => s.Id);
        foreach (var gone in _subscriptions.Keys.Where(id => !next.ContainsKey(id)).ToList()) Remove(gone);
        foreach (var s in next.Values) changes.AddRange(Put(s));
        return changes;
    }

    private List<Change> Reassign(Func<Subscription, bool> affected)
    {
        var changes = new List<Change>();
        foreach (var subscription in _subscriptions.Values.Where(affected))
        {
            var current = _active.GetValueOrDefault(subscription.Id);
            if (current is not null && Serves(current, subscription)) continue;
            var next = _connections
                .Where(c => Serves(c.Key, subscription))
                .OrderBy(c => c.Value.Order)
                .Select(c => c.Key)
                .FirstOrDefault();
            if (next == current) continue;
            if (next is null) _active.Remove(subscription.Id);
            else _active[subscription.Id] = next;
            changes.Add(new Change(subscription.Id, next));
        }
        return changes;
    }

    private bool Serves(string connectionId, Subscription subscription)
    {
        if (!_connections.TryGetValue(connectionId, out var connection) || connection.Transport != subscription.Transport) return false;
        try
        {
            return connection.Matcher(subscription.Ref);
        }
        catch (Exception ex)
        {
            _matcherFailed(connectionId, subscription.Ref, ex);
            return false;
        }
    }
}
