namespace ActorDispatch.Diagnostics;

/// <summary>
/// One dispatcher's counters: its series of <see cref="DeliveryCounts"/>, found once, so that a
/// delivery or a response costs an interlocked add, and an ack the latency histogram's record when
/// someone collects it. Called from the dispatcher actor only.
/// </summary>
internal sealed class SubscriptionInstruments
{
    private readonly ActorDispatchMetrics _metrics;
    private readonly DeliverySeries _series;

    public SubscriptionInstruments(ActorDispatchMetrics metrics, string @namespace, string subscription, string transport)
    {
        _metrics = metrics;
        _series = metrics.DeliveryCounts.For(@namespace, subscription, transport);
    }

    /// <summary>Whether anyone collects the delivery latency: only then is the event's age worth computing.</summary>
    public bool LatencyEnabled => _metrics.DeliveryLatency.Enabled;

    /// <summary><paramref name="events"/> events were handed to the transport, as a first delivery or again.</summary>
    public void Delivered(int events, bool redelivery) => _series.AddDelivered(events, redelivery);

    public void Acked(DateTimeOffset created)
    {
        _series.AddAck();
        if (_metrics.DeliveryLatency.Enabled)
            _metrics.DeliveryLatency.Record(Math.Max(0, (DateTimeOffset.UtcNow - created).TotalSeconds), _series.NamespaceTag, _series.SubscriptionTag);
    }

    public void Acked() => _series.AddAck();

    public void Rejected() => _series.AddReject();

    public void TimedOut() => _series.AddTimeout();

    public void Failed() => _series.AddFailure();
}
