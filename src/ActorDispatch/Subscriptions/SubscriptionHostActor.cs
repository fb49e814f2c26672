using ActorDispatch.Connections;
using ActorDispatch.Dispatch;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// Parent of this node's durable subscription actors (see <see cref="SubscriptionHost"/>). While a
/// subscription that stopped unexpectedly (its store write failed) waits to start again, the
/// latest definition sent to it is kept for its restart, a status or flush request is answered with
/// a retryable error, and connection offers are dropped: the subscription asks the registries for
/// them again when it has recovered. In a cluster it is the entity of one subscription: it
/// announces the subscription's start to every node's registry over DistributedPubSub, passivates
/// once its subscription stopped on purpose, and on a handoff has it persist its offset first.
/// </summary>
internal sealed class SubscriptionHostActor : ReceiveActor, IWithTimers
{
    private sealed record Restart(Guid Id);

    private sealed record DrainTimedOut
    {
        public static readonly DrainTimedOut Instance = new();
    }

    private readonly DurableSubscription.Dependencies _deps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Guid, IActorRef> _running = new();
    private readonly Dictionary<IActorRef, Guid> _ids = new();
    private readonly HashSet<Guid> _stopping = [];
    private readonly HashSet<IActorRef> _registries = [];
    // Subscriptions waiting to start again, with the latest definition sent to them meanwhile.
    private readonly Dictionary<Guid, DurableSubscription.Define?> _restarting = new();
    private long _incarnation;
    private readonly HashSet<Guid> _flushing = [];
    private bool _draining;

    public SubscriptionHostActor(DurableSubscription.Dependencies deps)
    {
        _deps = deps;

        Receive<SubscriptionHost.Envelope>(OnEnvelope);
        Receive<SubscriptionHost.Stopping>(s => _stopping.Add(s.Id));
        Receive<SubscriptionHost.WatchStarts>(w =>
        {
            if (_registries.Add(w.Registry)) Context.Watch(w.Registry);
        });
        Receive<SubscriptionHost.Started>(s =>
        {
            var started = new ConnectionRegistry.SubscriptionStarted(s.Id, Sender);
            if (_deps.Cluster is not null) DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(SubscriptionHost.StartedTopic, started));
            foreach (var registry in _registries) registry.Tell(started);
        });
        Receive<SubscriptionHost.Drain>(_ => Drain());
        Receive<DurableSubscription.Flushed>(f =>
        {
            if (_flushing.Remove(f.Id) && _draining && _flushing.Count == 0) Context.Stop(Self);
        });
        Receive<DrainTimedOut>(_ =>
        {
            _log.Warning("Subscriptions {0} did not persist their offsets in time for a handoff; stopping them anyway", string.Join(", ", _flushing));
            Context.Stop(Self);
        });
        Receive<SubscriptionHost.GetActors>(_ => Sender.Tell(new SubscriptionHost.Actors(_running.Values.ToList())));
        Receive<Terminated>(t =>
        {
            if (_registries.Remove(t.ActorRef)) return;
            if (!_ids.Remove(t.ActorRef, out var id)) return;
            _running.Remove(id);
            if (_draining)
            {
                if (_flushing.Remove(id) && _flushing.Count == 0) Context.Stop(Self);
                return;
            }
            if (_stopping.Remove(id))
            {
                // An entity whose subscription was deleted leaves the remembered entities.
                if (_deps.Cluster is not null && _running.Count == 0 && _restarting.Count == 0) Context.Parent.Tell(new Passivate(SubscriptionHost.Drain.Instance));
                return;
            }
            _log.Warning("Subscription {0} stopped unexpectedly; restarting it in {1}", id, _deps.Settings.RewindBackoffMax);
            _restarting[id] = null;
            Timers.StartSingleTimer(id, new Restart(id), _deps.Settings.RewindBackoffMax);
        });
        Receive<Restart>(r =>
        {
            if (!_restarting.Remove(r.Id, out var define)) return;
            var child = Start(r.Id);
            if (define is not null) child.Tell(define);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    // In a cluster the shard starts this entity with no message when it remembers it (after a node
    // died, say): the subscription starts at once, so that a connect-out one runs with no traffic.
    protected override void PreStart()
    {
        if (_deps.Cluster is not null && Guid.TryParse(Uri.UnescapeDataString(Self.Path.Name), out var id)) Start(id);
    }

    private void OnEnvelope(SubscriptionHost.Envelope envelope)
    {
        if (_running.TryGetValue(envelope.Id, out var child))
        {
            child.Forward(envelope.Message);
            return;
        }
        if (_restarting.ContainsKey(envelope.Id))
        {
            WhileRestarting(envelope.Id, envelope.Message);
            return;
        }
        Start(envelope.Id).Forward(envelope.Message);
    }

    private void WhileRestarting(Guid id, object message)
    {
        switch (message)
        {
            case DurableSubscription.Define define:
                // The catalog has it: the caller hears "saved" now, the subscription runs with it once back.
                if (define.ReplyTo is not null && define.Reply is not null) define.ReplyTo.Tell(define.Reply);
                _restarting[id] = define with { ReplyTo = null, Reply = null };
                break;
            case DurableSubscription.Delete:
                // Started at once to delete its journal; it stops itself after.
                Timers.Cancel(id);
                _restarting.Remove(id);
                Start(id).Forward(message);
                break;
            case Dispatcher.GetStatus or DurableSubscription.Flush or DurableSubscription.IRequest:
                Sender.Tell(new Status.Failure(Errors.SubscriptionRestarting(id)));
                break;
        }
    }

    private void Drain()
    {
        _draining = true;
        if (_running.Count == 0)
        {
            Context.Stop(Self);
            return;
        }
        foreach (var (id, child) in _running)
        {
            _flushing.Add(id);
            child.Tell(DurableSubscription.Flush.Instance);
        }
        Timers.StartSingleTimer(DrainTimedOut.Instance, DrainTimedOut.Instance, _deps.Settings.AskTimeout);
    }

    private IActorRef Start(Guid id)
    {
        var child = Context.Watch(Context.ActorOf(DurableSubscription.Props(id, _deps), $"subscription-{id:N}-{++_incarnation}"));
        _running[id] = child;
        _ids[child] = id;
        return child;
    }
}
