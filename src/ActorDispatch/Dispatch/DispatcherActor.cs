using System.Diagnostics;
using ActorDispatch.Connections;
using ActorDispatch.Diagnostics;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorDispatch.Dispatch;

/// <summary>
/// Runs one subscription's dispatch stream — journal pages from the committed offset, filter,
/// withData, optional batching — into itself through <c>Sink.ActorRefWithAck</c>. While the actor
/// is busy the stream gathers what is ready into one chunk (<c>Batch</c>), so a caught-up
/// subscription gets each event at once and a busy one pays one stream round trip per chunk. The
/// actor is the in-flight window: it delivers from the chunk while fewer than <c>1 + readAhead</c>
/// deliveries are unanswered and acks the stream (pulling the next chunk) only when the chunk is
/// used up and the window has room, so backpressure runs from the receiver back to the journal
/// reads. A reject, a delivery error, an answer missing after <c>ackTimeout</c> or a stream failure
/// rewinds: the stream is stopped and a new one starts after the committed offset.
/// </summary>
internal sealed partial class DispatcherActor : ReceiveActor, IWithTimers
{
    private sealed record RestartTimer;

    // Items the stream gathers while the actor is busy, at most a window's worth: a subscription
    // then holds at most a page, a journal entry and two windows of events, whatever its backlog.
    private const int MaxChunkItems = 256;

    // Offsets go to the owner at most this often (and when the dispatcher stops): the owner only
    // persists every commit-interval, so one message per ack would be wasted work on the hot path.
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(20);

    private sealed record ReportOffset
    {
        public static readonly ReportOffset Instance = new();
    }

    // Due when the oldest delivery in flight would pass its ackTimeout.
    private sealed record AckTimer
    {
        public static readonly AckTimer Instance = new();
    }

    private readonly Dispatcher.Setup _setup;
    private readonly Subscription _subscription;
    private readonly SubscriptionRef _ref;
    private readonly EventFilter _filter;
    private readonly OffsetTracker _tracker;
    private readonly DispatchCounters _counters = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IMaterializer _materializer;
    private readonly Queue<Dispatcher.Item> _chunk = new(); // what is left of the latest chunk
    private readonly AckDeadlines? _deadlines;
    private readonly RedeliveryPolicy _redeliveries;
    private readonly Func<Guid, bool> _isInFlight; // one delegate for every ack, not one each
    private bool _ackTimerSet; // kept here: asking the timer scheduler on every delivery costs more
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _clockStarted = Stopwatch.GetTimestamp(); // _clock's zero, for the gauges' timestamps
    // The setup carries no metrics: the system's instruments are an extension, found once here.
    private readonly ActorDispatchMetrics _metrics = ActorDispatchMetrics.Get(Context.System);
    private readonly SubscriptionInstruments _instruments;
    private readonly SubscriptionFigures? _figures; // a durable subscription's gauges; ephemeral ones have none
    private readonly DeliverySpans _spans;
    private UniqueKillSwitch? _killSwitch;
    private IActorRef? _waitingSink;
    private long _generation;
    private long _highestDelivered;
    private int _rewindsWithoutProgress;
    private long _reportedOffset;

    public DispatcherActor(Dispatcher.Setup setup)
    {
        _setup = setup;
        _subscription = setup.Subscription;
        _ref = setup.Subscription.Ref;
        _filter = EventFilter.Create(setup.Subscription.Filter);
        _tracker = new OffsetTracker(setup.CommittedOffset);
        _highestDelivered = setup.CommittedOffset;
        _reportedOffset = setup.CommittedOffset;
        _materializer = Context.Materializer();
        if (setup.Options.AckTimeout is { } ackTimeout) _deadlines = new AckDeadlines(ackTimeout);
        _isInFlight = id => _tracker.IsInFlight(id) || _replayInFlight.ContainsKey(id);
        _redeliveries = new RedeliveryPolicy(setup.Options.MaxDeliveries, setup.Options.Backoff, setup.Settings.RewindBackoffMin, setup.Settings.RewindBackoffMax);
        // Ephemeral subscriptions have random ids, unbounded: they share one label value.
        _instruments = _metrics.For(_subscription.Namespace, _subscription.Ephemeral ? MetricTags.EphemeralSubscription : _subscription.Name, _subscription.Transport);
        _figures = _subscription.Ephemeral ? null : _metrics.Subscriptions.Find(_subscription.Id);
        _spans = new DeliverySpans(_subscription);

        Receive<Dispatcher.StreamInit>(i =>
        {
            if (i.Generation == _generation) Sender.Tell(Dispatcher.StreamAck.Instance);
        });
        Receive<Dispatcher.Chunk>(OnChunk);
        Receive<Connection.Responded>(OnResponded);
        Receive<Connection.DeliveryFailed>(f =>
        {
            _instruments.Failed();
            _spans.End(f.Id, "failed");
            if (!ReplayFailed(f.Id, $"delivery {f.Id} failed: {f.Reason}", null)) Failed(f.Id, $"delivery {f.Id} failed: {f.Reason}");
        });
        ReceiveReplays();
        Receive<Dispatcher.StreamFailed>(f =>
        {
            if (f.Generation != _generation) return;
            _log.Warning("Dispatch stream of subscription {0} failed: {1}; resuming from offset {2}", _ref, f.Cause.Message, _tracker.Committed);
            Rewind(null);
        });
        Receive<Dispatcher.StreamCompleted>(c =>
        {
            if (c.Generation == _generation) Rewind(null);
        });
        Receive<Dispatcher.RestartStream>(r =>
        {
            if (r.Generation == _generation) StartStream();
        });
        Receive<EventLog.Appended>(_ => { });
        Receive<Status.Failure>(f => _log.Warning("Reply event of subscription {0} was not appended: {1}", _ref, f.Cause.Message));
        Receive<Dispatcher.GetStatus>(g => Sender.Tell(Status() with { Parked = g.Parked, Node = g.Node }));
        Receive<ReportOffset>(_ => Report());
        Receive<AckTimer>(_ =>
        {
            _ackTimerSet = false;
            CheckAckDeadline();
        });
        Receive<Dispatcher.Flush>(f =>
        {
            Report();
            Context.Parent.Tell(new Dispatcher.Flushing(f.ReplyTo));
        });
        // Reports the offset before stopping: the owner starts the next dispatcher from it.
        Receive<Dispatcher.Stop>(_ =>
        {
            Report();
            Context.Stop(Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => StartStream();

    protected override void PostStop()
    {
        _spans.EndAll("stopped");
        _killSwitch?.Shutdown();
        _figures?.Window(0, null);
    }

    private SubscriptionStatus Status() => new()
    {
        CurrentOffset = _tracker.Committed,
        InFlight = _tracker.InFlight + _replayInFlight.Count,
        Lag = Math.Max(0, _counters.Head - _tracker.Committed),
        Connection = _setup.ConnectionId,
        Delivered = _counters.Delivered,
        Redelivered = _counters.Redelivered,
        PagesRead = _counters.PagesRead,
        EventsRead = _counters.EventsRead,
        OldestUnackedAge = _tracker.OldestSentAt is { } sent ? $"{(_clock.Elapsed - sent).TotalSeconds:0.###}s" : null,
    };

    private void StartStream()
    {
        var generation = _generation;
        var options = _setup.Options;
        var filter = _filter;
        var withData = options.WithData;
        Event Strip(Event e) => withData || e.Data is null ? e : e with { Data = null };

        var events = Source.FromGraph(new EventLogSource(
            _subscription.Namespace, _tracker.Committed + 1, _setup.Logs, _setup.Reader,
            _setup.Settings.PageSize, _setup.Settings.PollInterval, _counters));

        var items = options.Batch
            ? events.GroupedWithin(options.BatchSize, options.BatchTimeout)
                .Select(group => new Dispatcher.Item(group.Where(filter.Matches).Select(Strip).ToArray(), group.Last().Sequence))
            : events.Select(e => new Dispatcher.Item(filter.Matches(e) ? [Strip(e)] : [], e.Sequence));
        var chunks = items
            .Batch(Math.Min(MaxChunkItems, options.Window), item => new List<Dispatcher.Item> { item }, (chunk, item) =>
            {
                chunk.Add(item);
                return chunk;
            })
            .Select(chunk => new Dispatcher.Chunk(generation, chunk));

        _killSwitch = chunks
            .ViaMaterialized(KillSwitches.Single<Dispatcher.Chunk>(), Keep.Right)
            .To(Sink.ActorRefWithAck<Dispatcher.Chunk>(Self,
                new Dispatcher.StreamInit(generation),
                Dispatcher.StreamAck.Instance,
                new Dispatcher.StreamCompleted(generation),
                ex => new Dispatcher.StreamFailed(generation, ex)))
            .Run(_materializer);
    }

    private void OnChunk(Dispatcher.Chunk chunk)
    {
        if (chunk.Generation != _generation) return; // from a stream stopped by a rewind
        foreach (var item in chunk.Items) _chunk.Enqueue(item);
        _waitingSink = Sender;
        Drain();
    }

    // Delivers from the chunk while the window has room (filtered-out items only move the offset),
    // then asks the stream for the next chunk once this one is used up.
    private void Drain()
    {
        // Parked events being replayed go ahead of the live stream, which waits for them.
        if (Replaying)
        {
            DrainReplays();
            return;
        }
        var moved = false;
        while (_chunk.TryPeek(out var item))
        {
            if (item.Events.Count == 0) moved |= _tracker.Skipped(item.Through);
            else if (_tracker.InFlight < _setup.Options.Window) Deliver(item);
            else break;
            _chunk.Dequeue();
        }
        if (moved) OffsetMoved();
        if (_waitingSink is not null && _chunk.Count == 0 && _tracker.InFlight < _setup.Options.Window)
        {
            _waitingSink.Tell(Dispatcher.StreamAck.Instance);
            _waitingSink = null;
        }
        PublishWindow();
    }

    // What is in flight, for the gauges: two stores, on every change of the window.
    private void PublishWindow()
    {
        if (_figures is null) return;
        long? oldest = _tracker.OldestSentAt is { } sent ? _clockStarted + (long)(sent.TotalSeconds * Stopwatch.Frequency) : null;
        _figures.Window(_tracker.InFlight + _replayInFlight.Count, oldest);
    }

    private void Deliver(Dispatcher.Item item)
    {
        var redelivery = item.Events[0].Sequence <= _highestDelivered;
        var deliver = DeliveryOf(item.Events, redelivery);

        _tracker.Delivered(deliver.Id, item.Events[0].Sequence, item.Through, _clock.Elapsed, item);
        _counters.Delivery(item.Events.Count, redelivery);
        _instruments.Delivered(item.Events.Count, redelivery);
        _highestDelivered = Math.Max(_highestDelivered, item.Through);
        Send(deliver);
    }

    // The delivery with its span started: it carries the span's traceparent when one was.
    private Connection.Deliver DeliveryOf(IReadOnlyList<Event> events, bool redelivery)
    {
        if (!_setup.Options.Batch)
        {
            var e = events[0];
            var single = _spans.Start(e.Id, events, batch: false, redelivery) is { } traceParent
                ? new EventDelivery(e, _ref) { TraceParent = traceParent }
                : new EventDelivery(e, _ref);
            return new Connection.Deliver(_subscription, single, null);
        }
        var id = Guid.NewGuid();
        var batch = new EventDeliveryBatch(id, _ref, events.Select(e => new EventDelivery(e, _ref)).ToArray())
        {
            TraceParent = _spans.Start(id, events, batch: true, redelivery),
        };
        return new Connection.Deliver(_subscription, null, batch);
    }

    private void Send(Connection.Deliver deliver)
    {
        _setup.Connection.Tell(deliver);
        if (_deadlines is null) return;
        _deadlines.Sent(deliver.Id, _clock.Elapsed);
        if (!_ackTimerSet) StartAckTimer(_deadlines.Timeout);
    }

    private void StartAckTimer(TimeSpan due)
    {
        Timers.StartSingleTimer(AckTimer.Instance, AckTimer.Instance, due);
        _ackTimerSet = true;
    }

    // An unanswered delivery fails like a reject; otherwise wait for the next one to fall due.
    private void CheckAckDeadline()
    {
        var (overdue, next) = _deadlines!.Check(_clock.Elapsed, _isInFlight);
        if (overdue is { } late)
        {
            var reason = $"delivery {late} was not answered within the ackTimeout of {_deadlines.Timeout.TotalMilliseconds:0} ms";
            _instruments.TimedOut();
            _spans.End(late, "timeout");
            if (!ReplayFailed(late, reason, null)) Failed(late, reason);
            // Either way there may be more in flight, due later.
            if (!_ackTimerSet) StartAckTimer(TimeSpan.Zero);
        }
        else if (next is { } due) StartAckTimer(due);
    }

    private void OnResponded(Connection.Responded responded)
    {
        var response = responded.Response;
        if (OnReplayResponse(response)) return;
        if (!_tracker.IsInFlight(response.Id) && responded.Others.Count > 0)
        {
            // Named no subscription: perhaps another subscription's delivery on the same connection.
            responded.Others[0].Tell(new Connection.Responded(response, responded.Others.Skip(1).ToArray()));
            return;
        }
        if (!_tracker.IsInFlight(response.Id))
        {
            _log.Info("Ignoring a response for {0} on subscription {1}: not in flight (late, duplicate or after a rewind)", response.Id, _ref);
            return;
        }
        _spans.End(response.Id, response.Rejected ? "reject" : "ack");
        if (response.Rejected)
        {
            _instruments.Rejected();
            Failed(response.Id, $"delivery {response.Id} rejected{(response.Info is null ? "" : ": " + response.Info)}", response.Delay);
            return;
        }
        // The latency needs the delivery's events: looked up only when someone collects it.
        if (_instruments.LatencyEnabled && _tracker.TryGet(response.Id, out _, out var delivered)) _instruments.Acked(((Dispatcher.Item)delivered!).Events[0].Created);
        else _instruments.Acked();

        if (response.Reply is { } reply) AppendReply(response.Id, reply);
        // Only after a failure is there a count to clear: the common ack skips the lookup.
        if (_redeliveries.Counting && _tracker.TryGet(response.Id, out var first, out _)) _redeliveries.Succeeded(first);
        if (_tracker.Ack(response.Id)) OffsetMoved();
        _deadlines?.Trim(_isInFlight);
        Drain();
    }

    // The ack stands even if the reply cannot be appended; the failure is only logged.
    private void AppendReply(Guid originalId, NewEvent reply)
    {
        try
        {
            EventValidator.Validate(reply, _setup.Settings.MaxDataSize, _setup.Settings.MaxDataDepth, "reply.");
            _setup.Logs.Tell(new EventLog.Append(_subscription.Namespace, [reply with { Correlator = originalId }]));
        }
        catch (ActorDispatchException ex)
        {
            _log.Warning("Reply to {0} on subscription {1} refused: {2}", originalId, _ref, ex.Message);
        }
    }

    private void OffsetMoved()
    {
        _rewindsWithoutProgress = 0;
        if (!_subscription.Ephemeral && !Timers.IsTimerActive(ReportOffset.Instance))
            Timers.StartSingleTimer(ReportOffset.Instance, ReportOffset.Instance, ReportInterval);
    }

    private void Report()
    {
        // The head as this dispatcher's reader saw it: in a cluster the log may write on another node.
        if (_counters.Head > 0) _metrics.Heads.Seen(_subscription.Namespace, _counters.Head);
        if (_subscription.Ephemeral || _tracker.Committed <= _reportedOffset) return;
        _reportedOffset = _tracker.Committed;
        Context.Parent.Tell(new Dispatcher.OffsetAdvanced(_subscription.Id, _reportedOffset));
    }

    // A delivery in flight failed (reject, delivery error, ack timeout): park its events once they
    // have failed maxDeliveries times, otherwise rewind after the policy's pause.
    private void Failed(Guid id, string reason, TimeSpan? requestedDelay = null)
    {
        if (!_tracker.TryGet(id, out var first, out var payload)) return;
        var decision = _redeliveries.Failed(first, _rewindsWithoutProgress, requestedDelay);
        if (!decision.Park)
        {
            Rewind(reason, decision.Delay);
            return;
        }

        var item = (Dispatcher.Item)payload!;
        var now = UtcTimestampJsonConverter.Now();
        _log.Warning("Subscription {0} parks {1} event(s) from sequence {2} after {3} failed attempts: {4}", _ref, item.Events.Count, first, decision.Attempts, reason);
        Context.Parent.Tell(new Dispatcher.Park(_subscription.Id,
            item.Events.Select(e => new ParkedEvent { Sequence = e.Sequence, Id = e.Id, Deliveries = decision.Attempts, Reason = reason, Parked = now }).ToArray()));
        // Parked counts as done for the offset; delivery goes on with the next event.
        if (_tracker.Ack(id)) OffsetMoved();
        Drain();
    }

    /// <summary>
    /// Stops the stream, forgets everything in flight and replays from the committed offset after
    /// <paramref name="delay"/>, or by default at once the first time, then with a doubling pause
    /// while no progress is made.
    /// </summary>
    private void Rewind(string? reason, TimeSpan? delay = null)
    {
        if (reason is not null) _log.Info("Subscription {0} rewinds to offset {1}: {2}", _ref, _tracker.Committed, reason);
        _killSwitch?.Shutdown();
        _killSwitch = null;
        _waitingSink = null;
        _chunk.Clear();
        _tracker.Reset();
        _spans.EndAll("rewound");
        _deadlines?.Clear();
        Timers.Cancel(AckTimer.Instance);
        _ackTimerSet = false;
        _generation++;
        PublishWindow();
        var pause = delay ?? _redeliveries.Pause(_rewindsWithoutProgress);
        _rewindsWithoutProgress++;
        if (pause == TimeSpan.Zero) StartStream();
        else Timers.StartSingleTimer(typeof(RestartTimer), new Dispatcher.RestartStream(_generation), pause);
    }
}
