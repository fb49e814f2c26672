using System.Diagnostics;
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
    // The events of one append share its trace context: parsed once for a run of them.
    private string? _lastParent;
    private ActivityContext _lastContext;

    /// <summary>
    /// Starts the span of delivery <paramref name="id"/> of <paramref name="events"/> (one, or a
    /// batch) and returns the <c>traceparent</c> it is to carry; null when no span was started.
    /// </summary>
    public string? Start(Guid id, IReadOnlyList<Event> events, bool batch, bool redelivery)
    {
        if (!ActorDispatchTracing.Source.HasListeners()) return null;
        End(id, "superseded"); // a redelivery of an event whose earlier attempt was dropped by a rewind
        var first = events[0];
        // A single delivery's parent is its append: that is its link, without an ActivityLink to allocate.
        var span = batch
            ? StartSpan(default, LinksTo(events), events.Count, redelivery, first.Sequence)
            : StartSpan(AppendContext(first), links: null, 1, redelivery, first.Sequence);
        if (span is null) return null;
        _open[id] = span;
        return span.Id;
    }

    /// <summary>Ends the span of a delivery that was answered or failed, with its outcome.</summary>
    public void End(Guid id, string outcome)
    {
        if (_open.Count == 0 || !_open.Remove(id, out var span)) return;
        span.AddTag("actordispatch.outcome", outcome); // a span ends once: no earlier value to replace
        if (outcome is not ("ack" or "superseded")) span.SetStatus(ActivityStatusCode.Error, outcome);
        span.Dispose();
    }

    /// <summary>Ends every open span: the dispatcher rewound or stopped, and nothing in flight will be answered.</summary>
    public void EndAll(string outcome)
    {
        if (_open.Count == 0) return;
        foreach (var id in _open.Keys.ToArray()) End(id, outcome);
    }

    private ActivityLink[] LinksTo(IReadOnlyList<Event> events)
    {
        var links = new ActivityLink[events.Count];
        for (var i = 0; i < links.Length; i++) links[i] = new ActivityLink(AppendContext(events[i]));
        return links;
    }

    private ActivityContext AppendContext(Event e)
    {
        var traceParent = EventTrace.Of(e);
        if (traceParent == _lastParent && e.TraceState is null) return _lastContext;
        if (!EventTrace.TryParse(traceParent, e.TraceState, out var context)) return default;
        if (e.TraceState is null) (_lastParent, _lastContext) = (traceParent, context);
        return context;
    }

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
        // Few tags: a span is made per delivery, and each tag is an allocation. AddTag, not SetTag:
        // the span is new, so there is no earlier value for SetTag's search of the list to find.
        span.AddTag("messaging.system", "actordispatch");
        span.AddTag("messaging.destination.name", subscription.Name);
        span.AddTag("actordispatch.namespace", subscription.Namespace);
        span.AddTag("actordispatch.sequence", firstSequence);
        if (count > 1) span.AddTag("messaging.batch.message_count", count);
        if (redelivery) span.AddTag("actordispatch.redelivery", true);
        return span;
    }
}
