using ActorDispatch.Dispatch;
using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;
using Akka.Event;

namespace ActorDispatch.Connections;

/// <summary>
/// Wraps one transport connection. Calls the transport for each delivery without awaiting it (the
/// dispatcher's window bounds what is outstanding) and routes responses back to the dispatcher of
/// the subscription they name. It keeps no record of single deliveries: what is in flight is the
/// dispatchers' to know. A response that names no subscription goes to the connection's only
/// dispatcher, or, with several, is passed from one dispatcher to the next until one has it in
/// flight (the same event can be in flight for several subscriptions on one connection).
/// </summary>
internal sealed class ConnectionActor : ReceiveActor
{
    private sealed record TransportFailed(Guid Id, IActorRef Dispatcher, Exception Error);

    private sealed record Route(SubscriptionRef Subscription, IActorRef Dispatcher);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    // The dispatcher of each subscription delivering on this connection, in order of first delivery.
    private readonly Dictionary<Guid, Route> _routes = new();
    private readonly HashSet<IActorRef> _dispatchers = [];
    private readonly List<ConnectionRegistry.CreateEphemeral> _ephemeral = [];
    private ConnectionRegistry.RegisterConnection? _registration;

    public ConnectionActor(IEventTransport transport, string connectionId, IActorRef registry)
    {
        Receive<Connection.Remember>(r =>
        {
            if (r.RegistryMessage is ConnectionRegistry.RegisterConnection register) _registration = register;
            else if (r.RegistryMessage is ConnectionRegistry.CreateEphemeral create) _ephemeral.Add(create);
        });

        // A registry incarnation announces itself when it starts. The registration and the ephemeral
        // starts are sent again: a registry started again after a failure needs them. Ephemeral
        // subscriptions restart from their firstEvent ('newest' by default): they keep no offsets.
        Receive<ConnectionRegistry.Started>(_ =>
        {
            if (_registration is not null) registry.Tell(_registration);
            foreach (var create in _ephemeral) registry.Tell(create, ActorRefs.NoSender);
        });

        Receive<Connection.Deliver>(d =>
        {
            var dispatcher = Sender;
            if (_dispatchers.Add(dispatcher)) Context.Watch(dispatcher);
            if (!_routes.TryGetValue(d.Subscription.Id, out var route) || !route.Dispatcher.Equals(dispatcher))
                _routes[d.Subscription.Id] = new Route(d.Subscription.Ref, dispatcher);
            Task task;
            try
            {
                task = d.Single is { } single
                    ? transport.DeliveryRequestAsync(connectionId, d.Subscription, single, single.Event.Data)
                    : transport.BatchDeliveryRequestAsync(connectionId, d.Subscription, d.Batch!);
            }
            catch (Exception ex)
            {
                task = Task.FromException(ex);
            }
            if (task.IsCompletedSuccessfully) return;
            var self = Self;
            var id = d.Id;
            task.ContinueWith(
                t => self.Tell(new TransportFailed(id, dispatcher, t.Exception?.GetBaseException() ?? new TaskCanceledException())),
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });

        // The dispatcher ignores a failure of a delivery it no longer has in flight.
        Receive<TransportFailed>(f =>
        {
            _log.Warning("Delivery {0} on connection {1} failed: {2}", f.Id, connectionId, f.Error.Message);
            f.Dispatcher.Tell(new Connection.DeliveryFailed(f.Id, f.Error.Message));
        });

        Receive<Connection.Respond>(r =>
        {
            var response = r.Response;
            // The common case, allocating nothing but the reply: the response names its subscription by id.
            if (response.Subscription is { Id: { } id } && _routes.TryGetValue(id, out var byId))
            {
                byId.Dispatcher.Tell(new Connection.Responded(response, []));
                return;
            }
            var candidates = Candidates(response.Subscription);
            if (candidates.Count == 0)
            {
                _log.Info("Ignoring a response on connection {0} for {1}: no subscription of it delivers here", connectionId, response.Id);
                return;
            }
            candidates[0].Tell(new Connection.Responded(response, candidates.Skip(1).ToArray()));
        });

        Receive<Connection.Close>(_ =>
        {
            registry.Tell(new ConnectionRegistry.ConnectionClosed(connectionId));
            Context.Stop(Self);
        });

        Receive<Terminated>(t =>
        {
            _dispatchers.Remove(t.ActorRef);
            foreach (var (id, route) in _routes.ToList())
            {
                if (route.Dispatcher.Equals(t.ActorRef)) _routes.Remove(id);
            }
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ConnectionRegistry.Started));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private IReadOnlyList<IActorRef> Candidates(SubscriptionRef? named)
    {
        if (named is { Id: not null }) return []; // not delivering here (the found case is handled above)
        if (named is { Name: { } name })
            return _routes.Values.Where(r => r.Subscription.Name == name && (named.Namespace is null || r.Subscription.Namespace == named.Namespace))
                .Select(r => r.Dispatcher).ToArray();
        return _routes.Count == 1 ? [_routes.Values.First().Dispatcher] : _routes.Values.Select(r => r.Dispatcher).ToArray();
    }
}
