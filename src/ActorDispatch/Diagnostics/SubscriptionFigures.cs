using System.Diagnostics;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// The latest figures of one durable subscription, published by its actors and read by the gauge
/// callbacks on another thread: the subscription actor writes the committed offset and the parked
/// count, its dispatcher what is in flight. Plain volatile fields: publishing costs a store, never
/// a message or an allocation. The labels are built once here.
/// </summary>
internal sealed class SubscriptionFigures(Guid id, string @namespace, string name)
{
    private long _committed;
    private long _parked;
    private long _inFlight;
    private long _oldestSentAt; // Stopwatch timestamp of the oldest delivery in flight; 0 when none

    public Guid Id { get; } = id;
    public string Namespace { get; } = @namespace;
    public string Name { get; } = name;
    public KeyValuePair<string, object?> NamespaceTag { get; } = MetricTags.Of(MetricTags.Namespace, @namespace);
    public KeyValuePair<string, object?> SubscriptionTag { get; } = MetricTags.Of(MetricTags.Subscription, name);

    public long Committed => Volatile.Read(ref _committed);
    public long Parked => Volatile.Read(ref _parked);
    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>From the subscription actor: acked up to <paramref name="committed"/>, <paramref name="parked"/> events parked.</summary>
    public void Offsets(long committed, int parked)
    {
        Volatile.Write(ref _committed, committed);
        Volatile.Write(ref _parked, parked);
    }

    /// <summary>From the dispatcher: deliveries unanswered, and the Stopwatch timestamp of the oldest (null: none).</summary>
    public void Window(int inFlight, long? oldestSentAt)
    {
        Volatile.Write(ref _inFlight, inFlight);
        Volatile.Write(ref _oldestSentAt, oldestSentAt ?? 0);
    }

    /// <summary>How long the oldest delivery in flight has waited at <paramref name="now"/> (a Stopwatch timestamp), or null.</summary>
    public double? OldestUnackedAge(long now)
    {
        var sent = Volatile.Read(ref _oldestSentAt);
        return sent == 0 ? null : Math.Max(0, (now - sent) / (double)Stopwatch.Frequency);
    }
}
