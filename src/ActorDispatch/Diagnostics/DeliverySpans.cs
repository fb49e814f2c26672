using System.Diagnostics;
using ActorDispatch.Connections;
using ActorDispatch.Model;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// One dispatcher's delivery spans: a span per delivery, from its send to its answer, a child of
/// the append's trace context (a batch's span links to each of its events' appends instead); the
/// delivery then carries the span's own context to the receiver. Made only while something
/// listens to <see cref="ActorDispatchTracing.Source"/>.
/// Used on the dispatcher's thread only.
/// </summary>
internal sealed class DeliverySpans(Subscription subscription)
{
    private const string SpanName = "deliver";

    private readonly Dictionary<Guid, Activity> _open = new();

    /// <summary>The delivery to send: traced when a span was started for it, else as it came.</summary>
    public Connection.Deliver Start(Connection.Deliver deliver, bool redelivery)
    {
        if (!ActorDispatchTracing.Source.HasListeners()) return deliver;
        End(deliver.Id, "superseded"); // a redelivery of an event whose earlier attempt was dropped by a rewind
        if (deliver.Single is { } single)
        {
            // The append is the span's parent: that is its link, without an ActivityLink to allocate.
            var span = StartSpan(AppendContext(single), links: null, 1, redelivery, single.Event.Sequence);
            if (span is null) return deliver;
            _open[deliver.Id] = span;
            return deliver with { Single = single with { TraceParent = span.Id! } };
        }

        var batch = deliver.Batch!;
        var links = batch.Events.Select(e => new ActivityLink(AppendContext(e))).ToArray();
        var batchSpan = StartSpan(default, links, batch.Events.Count, redelivery, batch.Events[0].Event.Sequence);
        if (batchSpan is null) return deliver;
        _open[deliver.Id] = batchSpan;
        return deliver with { Batch = batch with { TraceParent = batchSpan.Id } };
    }

    /// <summary>Ends the span of a delivery that was answered or failed, with its outcome.</summary>
    public void End(Guid id, string outcome)
    {
        if (_open.Count == 0 || !_open.Remove(id, out var span)) return;
        span.SetTag("actordispatch.outcome", outcome);
        if (outcome is not ("ack" or "superseded")) span.SetStatus(ActivityStatusCode.Error, outcome);
        span.Dispose();
    }

    /// <summary>Ends every open span: the dispatcher rewound or stopped, and nothing in flight will be answered.</summary>
    public void EndAll(string outcome)
    {
        if (_open.Count == 0) return;
        foreach (var id in _open.Keys.ToArray()) End(id, outcome);
    }

    private static ActivityContext AppendContext(EventDelivery delivery) =>
        EventTrace.TryParse(delivery.TraceParent, delivery.TraceState, out var context) ? context : default;

    private Activity? StartSpan(ActivityContext parent, ActivityLink[]? links, int count, bool redelivery, long firstSequence)
    {
        // A span started on the dispatcher's thread must not become the thread's current activity.
        // Restoring the captured execution context puts the thread back as it was, with no entry for
        // Activity.Current (an async local with change notifications) left behind.
        var context = ExecutionContext.Capture();
        var previous = context is null ? Activity.Current : null; // flow suppressed: nothing to restore
        var span = ActorDispatchTracing.Source.StartActivity(SpanName, ActivityKind.Producer, parent, tags: null, links);
        if (context is not null) ExecutionContext.Restore(context);
        else Activity.Current = previous;
        if (span is null) return null;
        if (!span.IsAllDataRequested) return span; // propagated, not recorded: tags would be wasted
        // Few tags: a span is made per delivery, and each tag is an allocation.
        span.SetTag("messaging.system", "actordispatch");
        span.SetTag("messaging.destination.name", subscription.Name);
        span.SetTag("actordispatch.namespace", subscription.Namespace);
        span.SetTag("actordispatch.sequence", firstSequence);
        if (count > 1) span.SetTag("messaging.batch.message_count", count);
        if (redelivery) span.SetTag("actordispatch.redelivery", true);
        return span;
    }
}
