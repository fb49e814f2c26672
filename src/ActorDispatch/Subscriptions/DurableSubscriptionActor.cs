using ActorDispatch.ChangeEvents;
using ActorDispatch.Connections;
using ActorDispatch.Diagnostics;
using ActorDispatch.Dispatch;
using ActorDispatch.Log;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// Holds one durable subscription's <see cref="SubscriptionState"/>, event-sourced: definition,
/// committed offset, parked events, pause. Offsets reported by the dispatcher are persisted at most
/// every <c>commit-interval</c> (and at once on <see cref="DurableSubscription.Flush"/>), so a crash
/// can redeliver what was acked since the last commit but never skip an event; parked events are
/// persisted before any offset that passes them. Snapshots keep recovery short. Dispatch runs on
/// the active connection of <see cref="ConnectionOffers{TRegistry,TConnection}"/>: each node's
/// registry offers its own best connection, and the first registry to offer is served until it
/// withdraws.
/// </summary>
internal sealed class DurableSubscriptionActor : ReceivePersistentActor, IWithTimers
{
    private sealed record CommitTimer
    {
        public static readonly CommitTimer Instance = new();
    }

    private sealed record RestartDispatcher
    {
        public static readonly RestartDispatcher Instance = new();
    }

    // Started by a message for a subscription that was never defined here (or was deleted): it
    // waits this long for its definition, then stops.
    private sealed record NeverDefined
    {
        public static readonly NeverDefined Instance = new();
    }

    // The request of a head asked for the lag gauge alone (see LearnHead).
    private sealed record HeadForMetrics
    {
        public static readonly HeadForMetrics Instance = new();
    }

    private readonly Guid _id;
    private readonly DurableSubscription.Dependencies _deps;
    private readonly ActorDispatchMetrics _metrics;
    // This incarnation's figures for the gauges, once the definition is known.
    private SubscriptionFigures? _figures;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SubscriptionState _state = SubscriptionState.Empty;
    // Acked as reported by the dispatcher; persisted into _state.Offset every commit-interval.
    private long _latestOffset;
    private IActorRef? _dispatcher;
    private readonly HashSet<IActorRef> _retiring = [];
    // Dispatchers stopped by a reset: what they report is of the offset before it.
    private readonly HashSet<IActorRef> _superseded = [];
    private bool _startWhenRetired;
    private readonly List<(IActorRef ReplyTo, object Reply)> _replyWhenRetired = [];
    private readonly ConnectionOffers<IActorRef, IActorRef> _offers = new();
    // Parked events asked to be replayed, handed to the next dispatcher when none runs.
    private IReadOnlyList<ParkedEvent> _pendingReplay = [];
    private bool _deleting;

    public DurableSubscriptionActor(Guid id, DurableSubscription.Dependencies deps)
    {
        _id = id;
        _deps = deps;
        _metrics = deps.Metrics ?? ActorDispatchMetrics.Get(Context.System);

        Recover<SnapshotOffer>(offer => Apply(offer.Snapshot));
        Recover<SubscriptionEvents.Defined>(Apply);
        Recover<SubscriptionEvents.Redefined>(Apply);
        Recover<SubscriptionEvents.OffsetCommitted>(Apply);
        Recover<SubscriptionEvents.OffsetReset>(Apply);
        Recover<SubscriptionEvents.EventsParked>(Apply);
        Recover<SubscriptionEvents.ParkedRemoved>(Apply);
        Recover<SubscriptionEvents.PauseChanged>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_state.Definition is null) Timers.StartSingleTimer(NeverDefined.Instance, NeverDefined.Instance, _deps.Settings.RewindBackoffMax);
            else
            {
                Announce();
                LearnHead();
            }
        });

        Command<DurableSubscription.Define>(OnDefine);
        Command<DurableSubscription.Offer>(o =>
        {
            if (!_offers.Contains(o.Registry)) Context.Watch(o.Registry);
            if (_offers.Put(new ConnectionOffers<IActorRef, IActorRef>.Offer(o.Registry, o.Connection, o.ConnectionId))) StartDispatcher();
        });
        Command<DurableSubscription.Withdraw>(w => Withdraw(w.Registry));
        Command<NeverDefined>(_ =>
        {
            if (_state.Definition is not null) return;
            Context.Parent.Tell(new SubscriptionHost.Stopping(_id));
            Context.Stop(Self);
        });
        // Requests that need a definition are answered with a retryable error until it arrives.
        Command<DurableSubscription.IRequest>(r => _state.Definition is null, _ => Sender.Tell(new Status.Failure(Errors.SubscriptionRestarting(_id))));
        // From the active dispatcher or one retiring: a committed offset is valid whoever reports it.
        Command<Dispatcher.OffsetAdvanced>(a =>
        {
            // A retiring dispatcher reports once more as it stops; after a delete nothing is written again.
            if (_deleting || a.Offset <= _latestOffset || _superseded.Contains(Sender)) return;
            _latestOffset = a.Offset;
            PublishFigures();
            if (!Timers.IsTimerActive(CommitTimer.Instance))
                Timers.StartSingleTimer(CommitTimer.Instance, CommitTimer.Instance, _deps.Settings.CommitInterval);
        });
        Command<CommitTimer>(_ => Commit(null));
        // The dispatcher reports offsets in batches: have it report first, then commit.
        Command<DurableSubscription.Flush>(_ =>
        {
            if (_dispatcher is not null) _dispatcher.Tell(new Dispatcher.Flush(Sender));
            else Commit(Sender);
        });
        Command<Dispatcher.Flushing>(f =>
        {
            Timers.Cancel(CommitTimer.Instance);
            Commit(f.ReplyTo);
        });
        Command<Dispatcher.GetStatus>(_ =>
        {
            if (_state.Definition is null) Sender.Tell(new Status.Failure(Errors.SubscriptionRestarting(_id)));
            else if (_dispatcher is not null) _dispatcher.Forward(new Dispatcher.GetStatus(_state.Parked.Count, _deps.Cluster?.NodeName));
            else Sender.Tell(new SubscriptionStatus { CurrentOffset = _latestOffset, Paused = _state.Paused, Parked = _state.Parked.Count, Node = _deps.Cluster?.NodeName });
        });
        Command<Dispatcher.Park>(p => PersistAndSnapshot(new SubscriptionEvents.EventsParked(p.Events), () =>
        {
            foreach (var parked in p.Events) Announce(ChangeEventType.Parked, parked.Sequence);
        }));
        Command<Dispatcher.Replayed>(r =>
        {
            if (!_state.Parked.ContainsKey(r.Sequence)) return; // discarded meanwhile
            PersistAndSnapshot(new SubscriptionEvents.ParkedRemoved([r.Sequence]), () => { });
        });
        Command<DurableSubscription.GetParked>(g => Sender.Tell(new DurableSubscription.ParkedList(_state.Parked.Values.Skip(g.Skip).Take(g.Limit).ToArray())));
        Command<DurableSubscription.DiscardParked>(d =>
        {
            var discarded = _state.ParkedAmong(d.Sequences).Select(p => p.Sequence).ToArray();
            var replyTo = Sender;
            if (discarded.Length == 0) replyTo.Tell(new DurableSubscription.Discarded(0));
            else PersistAndSnapshot(new SubscriptionEvents.ParkedRemoved(discarded), () => replyTo.Tell(new DurableSubscription.Discarded(discarded.Length)));
        });
        Command<DurableSubscription.ReplayParked>(r =>
        {
            var replay = _state.ParkedAmong(r.Sequences);
            if (_dispatcher is not null) _dispatcher.Tell(new Dispatcher.Replay(replay));
            else _pendingReplay = _pendingReplay.Concat(replay).DistinctBy(p => p.Sequence).OrderBy(p => p.Sequence).ToArray();
            Sender.Tell(new DurableSubscription.Replaying(replay.Count));
        });
        Command<DurableSubscription.Pause>(p =>
        {
            var replyTo = Sender;
            if (p.Paused == _state.Paused)
            {
                replyTo.Tell(new DurableSubscription.PauseDone(p.Paused));
                return;
            }
            PersistAndSnapshot(new SubscriptionEvents.PauseChanged(p.Paused), () =>
            {
                if (p.Paused)
                {
                    _startWhenRetired = false;
                    StopDispatcher();
                }
                else StartDispatcher();
                Announce(p.Paused ? ChangeEventType.Paused : ChangeEventType.Resumed);
                replyTo.Tell(new DurableSubscription.PauseDone(p.Paused));
            });
        });
        Command<DurableSubscription.Reset>(OnReset);
        Command<EventLog.HeadResolved<HeadForMetrics>>(h => _metrics.Heads.Seen(_state.Definition?.Namespace ?? "", h.Head));
        Command<EventLog.HeadFailed>(_ => { }); // the lag waits for the log's next write
        Command<DurableSubscription.Delete>(_ =>
        {
            _deleting = true;
            Untrack(); // deleted: its series go at once
            _startWhenRetired = false;
            StopDispatcher();
            Timers.CancelAll();
            DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
            DeleteMessages(long.MaxValue);
        });
        // Deletes come from two places: trimming the journal behind a snapshot (the subscription goes
        // on) and deleting the subscription, up to long.MaxValue (it stops). Only the second may stop
        // the actor, whichever order their answers come in.
        Command<DeleteMessagesSuccess>(s =>
        {
            if (s.ToSequenceNr == long.MaxValue) StopDeleted();
        });
        Command<DeleteMessagesFailure>(f =>
        {
            if (f.ToSequenceNr != long.MaxValue)
            {
                _log.Warning(f.Cause, "Trimming the journal of subscription {0} behind its snapshot failed; the next snapshot tries again", _id);
                return;
            }
            _log.Warning(f.Cause, "Deleting the journal of subscription {0} failed; its rows stay but it is removed from the catalog", _id);
            StopDeleted();
        });
        Command<SaveSnapshotSuccess>(s =>
        {
            DeleteMessages(s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Snapshot of subscription {0} failed", _id));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning(f.Cause, "Deleting old snapshots of subscription {0} failed", _id));
        Command<Terminated>(t =>
        {
            if (_offers.Contains(t.ActorRef))
            {
                Withdraw(t.ActorRef); // that node's registry is gone, and its connections with it
                return;
            }
            if (_retiring.Remove(t.ActorRef))
            {
                _superseded.Remove(t.ActorRef);
                if (_retiring.Count > 0) return;
                foreach (var (replyTo, reply) in _replyWhenRetired) replyTo.Tell(reply);
                _replyWhenRetired.Clear();
                if (_startWhenRetired) StartDispatcher();
                return;
            }
            if (!t.ActorRef.Equals(_dispatcher)) return;
            _dispatcher = null;
            // Stopped by nobody but itself: it failed. Start again from the latest offset, after a pause.
            if (_offers.Active is not null && !_deleting)
                Timers.StartSingleTimer(RestartDispatcher.Instance, RestartDispatcher.Instance, _deps.Settings.RewindBackoffMin);
        });
        Command<RestartDispatcher>(_ =>
        {
            if (_dispatcher is null) StartDispatcher();
        });
    }

    public override string PersistenceId => DurableSubscription.PersistenceId(_id);

    public ITimerScheduler Timers { get; set; } = null!;

    // A failing dispatcher is replaced (see Terminated), never restarted in place with a stale offset.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PostStop()
    {
        if (_latestOffset > _state.Offset && !_deleting)
            _log.Info("Subscription {0} stopped with offset {1} acked but only {2} committed; those events may be redelivered", _id, _latestOffset, _state.Offset);
        Untrack();
        base.PostStop();
    }

    private void Apply(object e)
    {
        _state = _state.Apply(e);
        // What was acked but not yet committed stays; a definition, snapshot or reset sets it.
        _latestOffset = e switch
        {
            SubscriptionEvents.OffsetCommitted => Math.Max(_latestOffset, _state.Offset),
            SubscriptionEvents.Defined or SubscriptionEvents.Snapshot or SubscriptionEvents.OffsetReset => _state.Offset,
            _ => _latestOffset,
        };
        PublishFigures();
    }

    // The figures the gauges read: tracked once the definition is known (again under a new name after
    // a rename), and untracked when this incarnation stops, so that a stopped subscription has no series.
    private void PublishFigures()
    {
        if (_deleting || _state.Definition is not { } definition) return;
        if (_figures is null || _figures.Name != definition.Name || _figures.Namespace != definition.Namespace)
        {
            Untrack();
            _figures = _metrics.Subscriptions.Track(_id, definition.Namespace, definition.Name);
        }
        _figures.Offsets(_latestOffset, _state.Parked.Count);
    }

    private void Untrack()
    {
        if (_figures is not null) _metrics.Subscriptions.Untrack(_figures);
        _figures = null;
    }

    // Lag is head minus offset, also without a connection: a subscription whose namespace's head this
    // node has not seen since it started asks the log once; from then on the log's writes keep it.
    private void LearnHead()
    {
        if (_state.Definition is { } definition && _metrics.Heads.Of(definition.Namespace) is null)
            EventLog.ResolveHead(_deps.Logs, definition.Namespace, HeadForMetrics.Instance, Self, Self, _deps.Settings.AskTimeout);
    }

    private void OnDefine(DurableSubscription.Define define)
    {
        if (_state.Definition is null)
        {
            PersistAndSnapshot(new SubscriptionEvents.Defined(define.Definition, FirstEvent.InitialOffset(define.Definition)), () =>
            {
                Timers.Cancel(NeverDefined.Instance);
                StartDispatcher();
                ReplyWhenRetired(define);
                Announce();
                LearnHead();
            });
        }
        else if (_state.Definition != define.Definition)
        {
            PersistAndSnapshot(new SubscriptionEvents.Redefined(define.Definition), () =>
            {
                if (_dispatcher is not null || _startWhenRetired) StartDispatcher();
                ReplyWhenRetired(define);
            });
        }
        else
        {
            ReplyWhenRetired(define);
        }
    }

    // The running dispatcher's reports are of the old offset from here on; the new offset is durable
    // before the caller hears of it, and the next dispatcher starts from it once the old one stopped.
    private void OnReset(DurableSubscription.Reset reset)
    {
        var replyTo = Sender;
        var running = _dispatcher;
        if (running is not null) _superseded.Add(running);
        _startWhenRetired = false;
        StopDispatcher();
        Timers.Cancel(CommitTimer.Instance);
        PersistAndSnapshot(new SubscriptionEvents.OffsetReset(reset.Offset), () =>
        {
            _log.Info("Subscription {0} reset to offset {1}", _id, reset.Offset);
            StartDispatcher();
            Announce(ChangeEventType.Reset, reset.Offset);
            replyTo.Tell(new DurableSubscription.ResetDone(reset.Offset));
        });
    }

    private void ReplyWhenRetired(DurableSubscription.Define define)
    {
        if (define.ReplyTo is null || define.Reply is null) return;
        if (_retiring.Count == 0) define.ReplyTo.Tell(define.Reply);
        else _replyWhenRetired.Add((define.ReplyTo, define.Reply));
    }

    private void Withdraw(IActorRef registry)
    {
        if (!_offers.Withdraw(registry)) return;
        if (_offers.Active is not null)
        {
            StartDispatcher(); // fail over to the next registry's connection
            return;
        }
        _startWhenRetired = false;
        StopDispatcher();
    }

    // The registries offer their connection again: one may have offered while this actor was down.
    private void Announce() => Context.Parent.Tell(new SubscriptionHost.Started(_id));

    private void Announce(ChangeEventType type, long? sequence = null) =>
        _deps.ChangeEvents.Tell(new ChangeEventHub.Publish(new ChangeEvent
        {
            Collection = ChangeEventHub.SubscriptionsCollection, Type = type, Namespace = _state.Definition!.Namespace, Id = _id.ToString(), Sequence = sequence,
        }));

    private void StopDeleted()
    {
        Context.Parent.Tell(new SubscriptionHost.Stopping(_id));
        Context.Stop(Self);
    }

    // One dispatcher at a time: a new one starts only once the previous one has stopped, so that it
    // starts from every offset the previous one reported.
    private void StartDispatcher()
    {
        StopDispatcher();
        _startWhenRetired = false;
        if (_state.Definition is not { } definition || _state.Paused || _offers.Active is not { } active || _deleting) return;
        if (_retiring.Count > 0)
        {
            _startWhenRetired = true;
            return;
        }
        if (!Dispatchable(definition)) return;
        var setup = new Dispatcher.Setup(definition, EffectiveOptions.From(definition.Options, _deps.Settings), _latestOffset,
            active.Connection, active.ConnectionId, _deps.Logs, _deps.Reader, _deps.Settings);
        _dispatcher = Context.Watch(Context.ActorOf(Dispatcher.Props(setup)));
        if (_pendingReplay.Count > 0) _dispatcher.Tell(new Dispatcher.Replay(_pendingReplay));
        _pendingReplay = [];
    }

    // A definition saved by an older version may hold a filter this one refuses (a lookaround, say):
    // it waits, saying why, for an update rather than fail its dispatcher over and over.
    private bool Dispatchable(Subscription definition)
    {
        try
        {
            EventFilter.Create(definition.Filter);
            return true;
        }
        catch (ActorDispatchException ex)
        {
            _log.Error("Subscription {0} delivers nothing until its filter is updated: {1}", definition.Ref, ex.Message);
            return false;
        }
    }

    private void StopDispatcher()
    {
        if (_dispatcher is null) return;
        _dispatcher.Tell(Dispatcher.Stop.Instance);
        _retiring.Add(_dispatcher);
        _dispatcher = null;
    }

    private void Commit(IActorRef? replyTo)
    {
        if (_deleting || _latestOffset <= _state.Offset)
        {
            replyTo?.Tell(new DurableSubscription.Flushed(_id, _state.Offset));
            return;
        }
        PersistAndSnapshot(new SubscriptionEvents.OffsetCommitted(_latestOffset), () => replyTo?.Tell(new DurableSubscription.Flushed(_id, _state.Offset)));
    }

    private void PersistAndSnapshot<TEvent>(TEvent e, Action then) where TEvent : notnull => Persist(e, persisted =>
    {
        Apply(persisted);
        then();
        if (LastSequenceNr % _deps.Settings.SnapshotEvery == 0) SaveSnapshot(_state.ToSnapshot());
    });
}
