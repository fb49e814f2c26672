using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// The delivery counters, kept by the engine instead of the OpenTelemetry SDK: a delivery or an
/// answer costs an interlocked add on its series, and the observable counters read the totals when
/// a collector asks. A <c>Counter.Add</c> with three tags costs the SDK a lookup of the tag set per
/// call, on the dispatcher's thread, for every delivery.
/// A series outlives the dispatchers that count into it (a restart, a reconnect, ephemeral
/// subscriptions sharing one label), so its totals never go back; series that counted nothing are
/// not reported, as a counter appears on its first add. Like the SDK, at most
/// <see cref="MaxSeries"/> series: beyond it deliveries are no longer counted per subscription.
/// </summary>
internal sealed class DeliveryCounts
{
    /// <summary>The OpenTelemetry SDK's default cardinality limit per metric.</summary>
    public const int MaxSeries = 2000;

    private readonly ConcurrentDictionary<(string Namespace, string Subscription, string Transport), DeliverySeries> _series = new();

    /// <summary>
    /// The series of one subscription's deliveries over one transport, made on first use. Beyond
    /// the limit a series of its own that is never reported: its labels still serve the latency histogram.
    /// </summary>
    public DeliverySeries For(string @namespace, string subscription, string transport)
    {
        var key = (@namespace, subscription, transport);
        if (_series.TryGetValue(key, out var series)) return series;
        return _series.Count >= MaxSeries
            ? new DeliverySeries(@namespace, subscription, transport)
            : _series.GetOrAdd(key, k => new DeliverySeries(k.Namespace, k.Subscription, k.Transport));
    }

    public IEnumerable<Measurement<long>> Deliveries()
    {
        var measurements = new List<Measurement<long>>(_series.Count);
        foreach (var s in _series.Values)
            if (s.Delivered is > 0 and var n) measurements.Add(new Measurement<long>(n, s.NamespaceTag, s.SubscriptionTag, s.TransportTag));
        return measurements;
    }

    // Redeliveries and answers are labelled without the transport: series that differ only in it add up.
    public IEnumerable<Measurement<long>> Redeliveries() => PerSubscription(s => s.Redelivered, outcome: null);

    public IEnumerable<Measurement<long>> Responses() =>
    [
        .. PerSubscription(s => s.Acked, MetricTags.Ack),
        .. PerSubscription(s => s.Rejected, MetricTags.Reject),
        .. PerSubscription(s => s.TimedOut, MetricTags.Timeout),
        .. PerSubscription(s => s.Failed, MetricTags.Error),
    ];

    private List<Measurement<long>> PerSubscription(Func<DeliverySeries, long> count, KeyValuePair<string, object?>? outcome)
    {
        var sums = new Dictionary<(string, string), (long Count, DeliverySeries Series)>();
        foreach (var s in _series.Values)
        {
            if (count(s) is not (> 0 and var n)) continue;
            var key = (s.Namespace, s.Subscription);
            sums[key] = sums.TryGetValue(key, out var sum) ? (sum.Count + n, sum.Series) : (n, s);
        }
        var measurements = new List<Measurement<long>>(sums.Count);
        foreach (var (n, s) in sums.Values)
            measurements.Add(outcome is { } o ? new Measurement<long>(n, s.NamespaceTag, s.SubscriptionTag, o) : new Measurement<long>(n, s.NamespaceTag, s.SubscriptionTag));
        return measurements;
    }
}

/// <summary>One series' totals, added to by dispatchers on their threads and read by the collector on its own.</summary>
internal sealed class DeliverySeries(string @namespace, string subscription, string transport)
{
    private long _delivered;
    private long _redelivered;
    private long _acked;
    private long _rejected;
    private long _timedOut;
    private long _failed;

    public string Namespace { get; } = @namespace;
    public string Subscription { get; } = subscription;
    public KeyValuePair<string, object?> NamespaceTag { get; } = MetricTags.Of(MetricTags.Namespace, @namespace);
    public KeyValuePair<string, object?> SubscriptionTag { get; } = MetricTags.Of(MetricTags.Subscription, subscription);
    public KeyValuePair<string, object?> TransportTag { get; } = MetricTags.Of(MetricTags.Transport, transport);

    public long Delivered => Volatile.Read(ref _delivered);
    public long Redelivered => Volatile.Read(ref _redelivered);
    public long Acked => Volatile.Read(ref _acked);
    public long Rejected => Volatile.Read(ref _rejected);
    public long TimedOut => Volatile.Read(ref _timedOut);
    public long Failed => Volatile.Read(ref _failed);

    public void AddDelivered(int events, bool redelivery)
    {
        Interlocked.Add(ref _delivered, events);
        if (redelivery) Interlocked.Add(ref _redelivered, events);
    }

    public void AddAck() => Interlocked.Increment(ref _acked);

    public void AddReject() => Interlocked.Increment(ref _rejected);

    public void AddTimeout() => Interlocked.Increment(ref _timedOut);

    public void AddFailure() => Interlocked.Increment(ref _failed);
}
