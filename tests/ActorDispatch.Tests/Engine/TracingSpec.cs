using System.Collections.Concurrent;
using System.Diagnostics;
using ActorDispatch.Diagnostics;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Engine;

/// <summary>Spans are process-wide: specs that listen to them run alone, not beside other engines.</summary>
[CollectionDefinition(nameof(TracingCollection), DisableParallelization = true)]
public sealed class TracingCollection;

/// <summary>
/// The engine's spans with a listener attached: an append span in the caller's trace, a delivery
/// span per delivery that is its child, whose context the delivery carries, ended with the
/// receiver's answer.
/// </summary>
[Collection(nameof(TracingCollection))]
public abstract class TracingSpec : EngineSpec, IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    protected TracingSpec(ITestOutputHelper output, StoreKind store) : base(output, store)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActorDispatchTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    void IDisposable.Dispose()
    {
        _listener.Dispose();
        Dispose();
    }

    [SkippableFact]
    public async Task A_delivery_span_is_a_child_of_its_append_carried_to_the_receiver_and_ended_by_the_answer()
    {
        await CreateSubscriptionAsync("traced");
        var connection = Connect("traced");
        using (var caller = new Activity("caller").Start())
        {
            await Engine.AppendAsync(Ns, NewEvent());
            Assert.Equal(caller.TraceId, Append(1).TraceId);
            Assert.Equal(caller.SpanId, Append(1).ParentSpanId);
        }

        var delivered = ExpectDelivery(1);
        var append = Append(1);
        Assert.Equal(append.Id, delivered.Event.TraceParent); // stored with the event
        Assert.True(EventTrace.TryParse(delivered.Delivery.TraceParent, null, out var carried));
        Assert.Equal(append.TraceId, carried.TraceId);
        Assert.NotEqual(append.SpanId, carried.SpanId); // the delivery's own span

        Transport.Reject(connection, delivered.Event.Id, "not yet");
        var rejected = await DeliverySpanAsync(carried.SpanId);
        Assert.Equal("reject", rejected.GetTagItem("actordispatch.outcome"));
        Assert.Equal(ActivityStatusCode.Error, rejected.Status);
        Assert.Equal(append.SpanId, rejected.ParentSpanId); // its link to the append
        Assert.Equal(append.TraceId, rejected.TraceId);

        var redelivered = ExpectDelivery(1);
        Assert.True(EventTrace.TryParse(redelivered.Delivery.TraceParent, null, out var again));
        Assert.Equal(append.TraceId, again.TraceId);
        Transport.Ack(connection, redelivered.Event.Id);
        var acked = await DeliverySpanAsync(again.SpanId);
        Assert.Equal("ack", acked.GetTagItem("actordispatch.outcome"));
        Assert.Equal(true, acked.GetTagItem("actordispatch.redelivery"));
        Assert.Equal("traced", acked.GetTagItem("messaging.destination.name"));
        await AwaitOffsetAsync("traced", 1);
    }

    [SkippableFact]
    public async Task An_append_outside_any_trace_starts_one_and_its_deliveries_belong_to_it()
    {
        await CreateSubscriptionAsync("root");
        Connect("root");
        var stored = await Engine.AppendAsync(Ns, NewEvent());
        var append = Append(1);
        Assert.Equal(append.Id, stored.TraceParent);
        Assert.Equal(default, append.ParentSpanId);

        var delivered = ExpectDelivery(1);
        Assert.True(EventTrace.TryParse(delivered.Delivery.TraceParent, null, out var carried));
        Assert.Equal(append.TraceId, carried.TraceId);
    }

    [SkippableFact]
    public async Task Events_appended_together_are_delivered_in_their_append_trace_each_in_a_span_of_its_own()
    {
        await AppendManyAsync(2);
        await Engine.AppendAsync(Ns, NewEvent());
        await CreateSubscriptionAsync("together", readAhead: 2);
        var connection = Connect("together");

        var spans = new List<ActivityContext>();
        foreach (var sequence in new[] { 1L, 2, 3 })
        {
            var delivered = ExpectDelivery(sequence);
            Assert.True(EventTrace.TryParse(delivered.Delivery.TraceParent, null, out var carried));
            spans.Add(carried);
            Transport.Ack(connection, delivered.Event.Id);
        }
        foreach (var (carried, append) in spans.Zip(new[] { Append(1), Append(1), Append(3) }))
        {
            var span = await DeliverySpanAsync(carried.SpanId);
            Assert.Equal(append.TraceId, span.TraceId);
            Assert.Equal(append.SpanId, span.ParentSpanId);
        }
        Assert.Equal(3, spans.Select(s => s.SpanId).Distinct().Count());
    }

    [SkippableFact]
    public async Task A_batch_is_delivered_in_one_span_linked_to_each_of_its_events_appends()
    {
        await AppendManyAsync(2);
        await Engine.AppendAsync(Ns, NewEvent());
        await CreateSubscriptionAsync("batched", options: new SubscriptionOptions { Batch = true, BatchSize = 3, BatchTimeout = "10s" });
        var connection = Connect("batched");

        var batch = Deliveries.ExpectMsg<ProbeTransport.BatchDelivered>(TimeSpan.FromSeconds(10)).Batch;
        Assert.Equal([1L, 2, 3], batch.Events.Select(e => e.Event.Sequence));
        Assert.True(EventTrace.TryParse(batch.TraceParent, null, out var carried));
        Transport.Ack(connection, batch.Id);

        var span = await DeliverySpanAsync(carried.SpanId);
        Assert.Equal(3, span.GetTagItem("messaging.batch.message_count"));
        Assert.Equal("ack", span.GetTagItem("actordispatch.outcome"));
        Assert.Equal(new[] { Append(1), Append(1), Append(3) }.Select(a => (a.TraceId, a.SpanId)),
            span.Links.Select(l => (l.Context.TraceId, l.Context.SpanId)));
    }

    // Stopped before the append returns: the span ends when the log has answered.
    private Activity Append(long firstSequence) =>
        Assert.Single(_stopped, a => a.OperationName == "append" && Equals(a.GetTagItem("actordispatch.sequence.first"), firstSequence));

    private async Task<Activity> DeliverySpanAsync(ActivitySpanId spanId)
    {
        await AwaitAssertAsync(() => Assert.Single(_stopped, a => a.OperationName == "deliver" && a.SpanId == spanId),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        return _stopped.Single(a => a.SpanId == spanId);
    }
}

public sealed class TracingSpecOnSqlite(ITestOutputHelper output) : TracingSpec(output, StoreKind.Sqlite);

public sealed class TracingSpecOnPostgres(ITestOutputHelper output) : TracingSpec(output, StoreKind.Postgres);
