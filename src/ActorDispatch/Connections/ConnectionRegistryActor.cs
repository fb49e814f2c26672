using System.Text.RegularExpressions;
using ActorDispatch.ChangeEvents;
using ActorDispatch.Configuration;
using ActorDispatch.Diagnostics;
using ActorDispatch.Dispatch;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using ActorDispatch.Transports;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace ActorDispatch.Connections;

/// <summary>
/// This node's connections (see <see cref="ConnectionRegistry"/>). It watches the catalog for the
/// durable subscriptions, keeps <see cref="ConnectionAssignments"/> up to date as connections
/// register, change matchers and close, and tells each subscription, through the subscription host,
/// when this node's active connection for it changes. Ephemeral subscriptions are dispatchers that
/// this actor owns, one per subscription, stopped when their connection closes.
/// </summary>
internal sealed class ConnectionRegistryActor : ReceiveActor
{
    // Recently closed connections: an ephemeral start still resolving its head when its connection
    // closed must not start afterwards. Bounded: only a start in flight at the close needs it.
    private const int ClosedRemembered = 10_000;

    private readonly DispatchSettings _settings;
    private readonly SubscriptionValidator _validator;
    private readonly DurableSubscription.Dependencies _deps;
    private readonly IActorRef _catalog;
    private readonly IActorRef _subscriptions;
    private readonly IActorRef _changeEvents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ConnectionAssignments _assignments;
    private readonly Dictionary<string, IActorRef> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _ephemeral = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private readonly Queue<string> _closedOrder = new();
    // Each open connection's transport, and their counts, for the connections gauge.
    private readonly Dictionary<string, string> _transportOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perTransport = new(StringComparer.Ordinal);
    private readonly ActorDispatchMetrics _metrics;
    // The catalog incarnation that sent the latest view: when it stops (in a cluster, its node left
    // or died), the registry watches whichever takes its place.
    private IActorRef? _catalogActor;

    public ConnectionRegistryActor(SubscriptionValidator validator, DurableSubscription.Dependencies deps, IActorRef catalog, IActorRef subscriptions)
    {
        _settings = deps.Settings;
        _validator = validator;
        _deps = deps;
        _catalog = catalog;
        _subscriptions = subscriptions;
        _changeEvents = deps.ChangeEvents;
        _metrics = deps.Metrics ?? ActorDispatchMetrics.Get(Context.System);
        _assignments = new ConnectionAssignments((connectionId, subscription, ex) =>
            _log.Warning(ex, "Matcher of connection {0} threw for subscription {1}; treated as no match", connectionId, subscription));

        Receive<Catalog.Started>(_ => _catalog.Tell(new Catalog.Watch(Self)));
        Receive<Catalog.View>(v =>
        {
            if (!Sender.Equals(_catalogActor))
            {
                if (_catalogActor is not null) Context.Unwatch(_catalogActor);
                _catalogActor = Context.Watch(Sender);
            }
            Tell(_assignments.Reset(v.Subscriptions));
        });
        Receive<Catalog.Changed>(c => Tell(_assignments.Put(c.Subscription)));
        Receive<Catalog.Removed>(r =>
        {
            _assignments.Remove(r.Id);
            foreach (var listener in _validator.Transports.OfType<ISubscriptionDeletedListener>()) listener.SubscriptionDeleted(r.Id);
        });
        Receive<ConnectionRegistry.SubscriptionStarted>(s =>
        {
            if (_assignments.ActiveFor(s.Id) is { } connectionId) s.Subscription.Tell(Offer(connectionId));
        });
        Receive<ConnectionRegistry.RegisterConnection>(r =>
        {
            _connections[r.ConnectionId] = r.Connection;
            Opened(r.ConnectionId, r.Transport);
            Tell(_assignments.Register(r.ConnectionId, r.Transport, r.Matcher));
        });
        Receive<ConnectionRegistry.ConnectionClosed>(OnConnectionClosed);
        Receive<ConnectionRegistry.CreateEphemeral>(OnCreateEphemeral);
        Receive<EventLog.HeadResolved<ConnectionRegistry.CreateEphemeral>>(OnHeadResolved);
        Receive<EventLog.HeadFailed>(f => f.ReplyTo.Tell(new Status.Failure(f.Cause)));
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(_catalogActor))
            {
                _catalogActor = null;
                _catalog.Tell(new Catalog.Watch(Self)); // a singleton proxy holds it until the next catalog runs
                return;
            }
            foreach (var list in _ephemeral.Values) list.Remove(t.ActorRef);
        });
        Receive<SubscribeAck>(_ => { });
        // Ephemeral dispatchers report offsets to their owner too; they keep none.
        Receive<Dispatcher.OffsetAdvanced>(_ => { });
        // An ephemeral subscription has no durable parked list: what it parks is skipped, and said so.
        Receive<Dispatcher.Park>(p =>
        {
            foreach (var parked in p.Events)
                _log.Warning("Ephemeral subscription {0} skips event {1} ({2}) after {3} failed attempts: {4}", p.SubscriptionId, parked.Sequence, parked.Id, parked.Deliveries, parked.Reason);
        });
    }

    public static Props Props(SubscriptionValidator validator, DurableSubscription.Dependencies deps, IActorRef catalog, IActorRef subscriptions) =>
        Akka.Actor.Props.Create(() => new ConnectionRegistryActor(validator, deps, catalog, subscriptions));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(Catalog.Started));
        _catalog.Tell(new Catalog.Watch(Self));
        // In a cluster subscriptions run on every node, and announce their starts over DistributedPubSub.
        if (_deps.Cluster is not null) DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(SubscriptionHost.StartedTopic, Self));
        else _subscriptions.Tell(new SubscriptionHost.WatchStarts(Self));
        Context.System.EventStream.Publish(ConnectionRegistry.Started.Instance);
        ResetCounts();
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        ResetCounts(); // the connections register again with the next incarnation
    }

    // Every transport has a series, 0 while it has no connection.
    private void ResetCounts()
    {
        _perTransport.Clear();
        foreach (var transport in _validator.Transports) _metrics.Connections.Set(transport.Name, 0);
    }

    // A connection counts once it registered or started an ephemeral subscription, until it closes.
    private void Opened(string connectionId, string transport)
    {
        if (!_transportOf.TryAdd(connectionId, transport)) return;
        _metrics.Connections.Set(transport, _perTransport[transport] = _perTransport.GetValueOrDefault(transport) + 1);
    }

    private void Closed(string connectionId)
    {
        if (!_transportOf.Remove(connectionId, out var transport)) return;
        _metrics.Connections.Set(transport, _perTransport[transport] = Math.Max(0, _perTransport.GetValueOrDefault(transport) - 1));
    }

    private void Tell(IReadOnlyList<ConnectionAssignments.Change> changes)
    {
        foreach (var change in changes)
        {
            object message = change.ConnectionId is { } connectionId ? Offer(connectionId) : new DurableSubscription.Withdraw(Self);
            _subscriptions.Tell(new SubscriptionHost.Envelope(change.SubscriptionId, message));
        }
    }

    private DurableSubscription.Offer Offer(string connectionId) => new(Self, _connections[connectionId], connectionId);

    private void OnConnectionClosed(ConnectionRegistry.ConnectionClosed closed)
    {
        if (_closed.Add(closed.ConnectionId))
        {
            _closedOrder.Enqueue(closed.ConnectionId);
            if (_closedOrder.Count > ClosedRemembered) _closed.Remove(_closedOrder.Dequeue());
        }
        Tell(_assignments.Close(closed.ConnectionId));
        _connections.Remove(closed.ConnectionId);
        Closed(closed.ConnectionId);
        if (_ephemeral.Remove(closed.ConnectionId, out var dispatchers))
        {
            foreach (var d in dispatchers) Context.Stop(d);
        }
        _changeEvents.Tell(new ChangeEventHub.Unlisten(closed.ConnectionId));
    }

    private void OnCreateEphemeral(ConnectionRegistry.CreateEphemeral create)
    {
        try
        {
            EventValidator.ValidateNamespace(create.Namespace);
            var options = _validator.Validate(create.Transport, create.Filter, create.Options);
            if (create.ChangeEvents is not null) CompileChangeEventsRegex(create.ChangeEvents);
            EventLog.ResolveHead(_deps.Logs, create.Namespace, create with { Options = options }, Sender, Self, _settings.AskTimeout);
        }
        catch (ActorDispatchException ex)
        {
            Sender.Tell(new Status.Failure(ex));
        }
    }

    private void OnHeadResolved(EventLog.HeadResolved<ConnectionRegistry.CreateEphemeral> resolved)
    {
        try
        {
            StartEphemeral(resolved.Request, resolved.Head, resolved.ReplyTo);
        }
        catch (ActorDispatchException ex)
        {
            resolved.ReplyTo.Tell(new Status.Failure(ex));
        }
    }

    private void StartEphemeral(ConnectionRegistry.CreateEphemeral create, long head, IActorRef replyTo)
    {
        var name = $"ephemeral-{create.Id:N}";
        if (!Context.Child(name).IsNobody()) return; // sent again by its connection: already running
        if (_closed.Contains(create.ConnectionId)) throw Errors.ConnectionClosed(create.ConnectionId);

        _connections[create.ConnectionId] = create.Connection;
        Opened(create.ConnectionId, create.Transport);
        var subscription = SubscriptionDefinitions.New(create.Id, create.Namespace, name, create.Transport, create.Filter, create.Options, ephemeral: true, head);
        var setup = new Dispatcher.Setup(subscription, EffectiveOptions.From(subscription.Options, _settings), FirstEvent.InitialOffset(subscription),
            create.Connection, create.ConnectionId, _deps.Logs, _deps.Reader, _settings);
        var dispatcher = Context.Watch(Context.ActorOf(Dispatcher.Props(setup), name));
        if (!_ephemeral.TryGetValue(create.ConnectionId, out var list)) _ephemeral[create.ConnectionId] = list = [];
        list.Add(dispatcher);

        if (create.ChangeEvents is not null && _validator.Transport(create.Transport) is IChangeEventListener listener)
            _changeEvents.Tell(new ChangeEventHub.Listen(create.ConnectionId, create.Namespace, CompileChangeEventsRegex(create.ChangeEvents), listener));
        replyTo.Tell(subscription);
    }

    private static readonly Regex AnyCollection = new("", RegexOptions.NonBacktracking);

    // An empty pattern asks for every collection.
    private static Regex CompileChangeEventsRegex(string pattern) => EventFilter.Compile("changeEvents", pattern) ?? AnyCollection;
}
