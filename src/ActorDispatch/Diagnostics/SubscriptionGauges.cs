using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// The durable subscriptions running on this node and their latest figures, for the observable
/// gauges: a subscription actor tracks itself once it knows its definition and untracks itself
/// when it stops (deleted, moved, restarted). Each incarnation tracks a figures object of its own
/// and untracks only that one, so a stopping incarnation never removes the one that replaced it.
/// At most one series per durable subscription: bounded by <c>subscriptions.max</c>.
/// </summary>
internal sealed class SubscriptionGauges
{
    private readonly ConcurrentDictionary<Guid, SubscriptionFigures> _figures = new();

    public int Count => _figures.Count;

    public SubscriptionFigures Track(Guid id, string @namespace, string name) => _figures[id] = new SubscriptionFigures(id, @namespace, name);

    public SubscriptionFigures? Find(Guid id) => _figures.GetValueOrDefault(id);

    public void Untrack(SubscriptionFigures figures) => _figures.TryRemove(new KeyValuePair<Guid, SubscriptionFigures>(figures.Id, figures));

    /// <summary>
    /// Head minus committed offset per subscription, whether or not a connection is attached; a
    /// subscription whose namespace has no known head on this node yet reports nothing rather than a guess.
    /// </summary>
    public IEnumerable<Measurement<long>> Lag(NamespaceHeads heads)
    {
        var measurements = new List<Measurement<long>>(_figures.Count);
        foreach (var f in _figures.Values)
            if (heads.Of(f.Namespace) is { } head) measurements.Add(new Measurement<long>(Math.Max(0, head - f.Committed), f.NamespaceTag, f.SubscriptionTag));
        return measurements;
    }

    public IEnumerable<Measurement<long>> InFlight() => Each(f => f.InFlight);

    public IEnumerable<Measurement<long>> Parked() => Each(f => f.Parked);

    /// <summary>Seconds the oldest unanswered delivery has waited; 0 when nothing is in flight.</summary>
    public IEnumerable<Measurement<double>> OldestUnackedAge()
    {
        var now = Stopwatch.GetTimestamp();
        var measurements = new List<Measurement<double>>(_figures.Count);
        foreach (var f in _figures.Values) measurements.Add(new Measurement<double>(f.OldestUnackedAge(now) ?? 0, f.NamespaceTag, f.SubscriptionTag));
        return measurements;
    }

    private List<Measurement<long>> Each(Func<SubscriptionFigures, long> value)
    {
        var measurements = new List<Measurement<long>>(_figures.Count);
        foreach (var f in _figures.Values) measurements.Add(new Measurement<long>(value(f), f.NamespaceTag, f.SubscriptionTag));
        return measurements;
    }
}
