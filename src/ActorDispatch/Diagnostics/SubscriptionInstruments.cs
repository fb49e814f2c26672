using System.Diagnostics.Metrics;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// One dispatcher's counters with its labels built once, so that a delivery or a response costs an
/// <c>Add</c> with two or three prebuilt tags and nothing else. Called from the dispatcher actor only.
/// </summary>
internal sealed class SubscriptionInstruments
{
    private readonly ActorDispatchMetrics _metrics;
    private readonly KeyValuePair<string, object?> _namespace;
    private readonly KeyValuePair<string, object?> _subscription;
    private readonly KeyValuePair<string, object?> _transport;

    public SubscriptionInstruments(ActorDispatchMetrics metrics, string @namespace, string subscription, string transport)
    {
        _metrics = metrics;
        _namespace = MetricTags.Of(MetricTags.Namespace, @namespace);
        _subscription = MetricTags.Of(MetricTags.Subscription, subscription);
        _transport = MetricTags.Of(MetricTags.Transport, transport);
    }

    /// <summary>Whether anyone collects the delivery latency: only then is the event's age worth computing.</summary>
    public bool LatencyEnabled => _metrics.DeliveryLatency.Enabled;

    /// <summary><paramref name="events"/> events were handed to the transport, as a first delivery or again.</summary>
    public void Delivered(int events, bool redelivery)
    {
        _metrics.Deliveries.Add(events, _namespace, _subscription, _transport);
        if (redelivery) _metrics.Redeliveries.Add(events, _namespace, _subscription);
    }

    public void Acked(DateTimeOffset created)
    {
        _metrics.Responses.Add(1, _namespace, _subscription, MetricTags.Ack);
        if (_metrics.DeliveryLatency.Enabled) _metrics.DeliveryLatency.Record(Math.Max(0, (DateTimeOffset.UtcNow - created).TotalSeconds), _namespace, _subscription);
    }

    public void Acked() => _metrics.Responses.Add(1, _namespace, _subscription, MetricTags.Ack);

    public void Rejected() => _metrics.Responses.Add(1, _namespace, _subscription, MetricTags.Reject);

    public void TimedOut() => _metrics.Responses.Add(1, _namespace, _subscription, MetricTags.Timeout);

    public void Failed() => _metrics.Responses.Add(1, _namespace, _subscription, MetricTags.Error);
}
