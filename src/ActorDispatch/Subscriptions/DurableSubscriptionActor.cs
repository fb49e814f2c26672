using ActorDispatch.Connections;
using ActorDispatch.Dispatch;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// Holds one durable subscription's definition and committed offset, event-sourced. Offsets
/// reported by the dispatcher are persisted at most every <c>commit-interval</c> (and at once on
/// <see cref="DurableSubscription.Flush"/>), so a crash can redeliver what was acked since the last
/// commit but never skip an event. Snapshots keep recovery short. Dispatch runs on the active
/// connection of <see cref="ConnectionOffers{TRegistry,TConnection}"/>: each node's registry offers
/// its own best connection, and the first registry to offer is served until it withdraws.
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

    private readonly Guid _id;
    private readonly DurableSubscription.Dependencies _deps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Subscription? _definition;
    private long _persistedOffset;
    private long _latestOffset;
    private IActorRef? _dispatcher;
    private readonly HashSet<IActorRef> _retiring = [];
    private bool _startWhenRetired;
    private readonly List<(IActorRef ReplyTo, object Reply)> _replyWhenRetired = [];
    private readonly ConnectionOffers<IActorRef, IActorRef> _offers = new();
    private bool _deleting;

    public DurableSubscriptionActor(Guid id, DurableSubscription.Dependencies deps)
    {
        _id = id;
        _deps = deps;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is SubscriptionEvents.Snapshot s) Apply(new SubscriptionEvents.Defined(s.Definition, s.Offset));
        });
        Recover<SubscriptionEvents.Defined>(Apply);
        Recover<SubscriptionEvents.Redefined>(Apply);
        Recover<SubscriptionEvents.OffsetCommitted>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_definition is null) Timers.StartSingleTimer(NeverDefined.Instance, NeverDefined.Instance, _deps.Settings.RewindBackoffMax);
            else Announce();
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
            if (_definition is not null) return;
            Context.Parent.Tell(new SubscriptionHost.Stopping(_id));
            Context.Stop(Self);
        });
        // From the active dispatcher or one retiring: a committed offset is valid whoever reports it.
        Command<Dispatcher.OffsetAdvanced>(a =>
        {
            // A retiring dispatcher reports once more as it stops; after a delete nothing is written again.
            if (_deleting || a.Offset <= _latestOffset) return;
            _latestOffset = a.Offset;
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
            if (_definition is null) Sender.Tell(new Status.Failure(Errors.SubscriptionRestarting(_id)));
            else if (_dispatcher is not null) _dispatcher.Forward(Dispatcher.GetStatus.Instance);
            else Sender.Tell(new SubscriptionStatus { CurrentOffset = _latestOffset });
        });
        Command<DurableSubscription.Delete>(_ =>
        {
            _deleting = true;
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
        if (_latestOffset > _persistedOffset && !_deleting)
            _log.Info("Subscription {0} stopped with offset {1} acked but only {2} committed; those events may be redelivered", _id, _latestOffset, _persistedOffset);
        base.PostStop();
    }

    private void Apply(object e)
    {
        switch (e)
        {
            case SubscriptionEvents.Defined d:
                _definition = d.Definition;
                _persistedOffset = _latestOffset = d.Offset;
                break;
            case SubscriptionEvents.Redefined r:
                _definition = r.Definition;
                break;
            case SubscriptionEvents.OffsetCommitted c:
                _persistedOffset = Math.Max(_persistedOffset, c.Offset);
                _latestOffset = Math.Max(_latestOffset, c.Offset);
                break;
        }
    }

    private void OnDefine(DurableSubscription.Define define)
    {
        if (_definition is null)
        {
            Persist(new SubscriptionEvents.Defined(define.Definition, FirstEvent.InitialOffset(define.Definition)), e =>
            {
                Apply(e);
                Timers.Cancel(NeverDefined.Instance);
                StartDispatcher();
                ReplyWhenRetired(define);
                Announce();
            });
        }
        else if (_definition != define.Definition)
        {
            Persist(new SubscriptionEvents.Redefined(define.Definition), e =>
            {
                Apply(e);
                if (_dispatcher is not null || _startWhenRetired) StartDispatcher();
                ReplyWhenRetired(define);
            });
        }
        else
        {
            ReplyWhenRetired(define);
        }
    }

    private void ReplyWhenRetired(DurableSubscription.Define define)
    {
        if (define.ReplyTo is null || define.Reply is null) return;
        if (_retiring.Count == 0) define.ReplyTo.Tell(define.Reply);
        else _replyWhenRetired.Add((define.ReplyTo, define.Reply));
    }

    // One dispatcher at a time: a new one starts only once the previous one has stopped, so that it
    // starts from every offset the previous one reported.
    private void StartDispatcher()
    {
        StopDispatcher();
        _startWhenRetired = false;
        if (_definition is null || _offers.Active is not { } active || _deleting) return;
        if (_retiring.Count > 0)
        {
            _startWhenRetired = true;
            return;
        }
        var setup = new Dispatcher.Setup(_definition, EffectiveOptions.From(_definition.Options, _deps.Settings), _latestOffset,
            active.Connection, active.ConnectionId, _deps.Logs, _deps.Reader, _deps.Settings);
        _dispatcher = Context.Watch(Context.ActorOf(Dispatcher.Props(setup)));
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

    private void StopDeleted()
    {
        Context.Parent.Tell(new SubscriptionHost.Stopping(_id));
        Context.Stop(Self);
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
        if (_deleting || _latestOffset <= _persistedOffset)
        {
            replyTo?.Tell(new DurableSubscription.Flushed(_id, _persistedOffset));
            return;
        }
        Persist(new SubscriptionEvents.OffsetCommitted(_latestOffset), e =>
        {
            Apply(e);
            replyTo?.Tell(new DurableSubscription.Flushed(_id, _persistedOffset));
            if (LastSequenceNr % _deps.Settings.SnapshotEvery == 0)
                SaveSnapshot(new SubscriptionEvents.Snapshot(_definition!, _persistedOffset));
        });
    }
}
