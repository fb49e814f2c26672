using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using ActorDispatch.Transports;
using Akka.Actor;
using Akka.Event;

namespace ActorDispatch.Dispatch;

/// <summary>
/// Wraps one transport connection. Calls the transport for each delivery without awaiting it (the
/// dispatcher's window bounds what is outstanding), remembers which dispatcher each delivery
/// belongs to, and routes responses back; responses for deliveries it does not know are logged and
/// ignored. One event can be in flight for several subscriptions on a connection: a response is
/// matched by its <c>subscription</c> (id, or namespace and name) and, without one, to the oldest.
/// </summary>
internal sealed class ConnectionActor : ReceiveActor
{
    private sealed record TransportFailed(Guid Id, IActorRef Dispatcher, Exception Error);

    // One delivery in flight; the rare further ones with the same id (the same event for several
    // subscriptions on this connection) are chained, so the common case allocates no list.
    private sealed record Pending(IActorRef Dispatcher, SubscriptionRef Subscription, Pending? Next = null);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Guid, Pending> _inFlight = new();
    private readonly HashSet<IActorRef> _dispatchers = [];
    private readonly List<SubscriptionManager.CreateEphemeral> _ephemeral = [];
    private SubscriptionManager.RegisterConnection? _registration;

    public ConnectionActor(IEventTransport transport, string connectionId, IActorRef manager)
    {
        Receive<Connection.Remember>(r =>
        {
            if (r.ManagerMessage is SubscriptionManager.RegisterConnection register) _registration = register;
            else if (r.ManagerMessage is SubscriptionManager.CreateEphemeral create) _ephemeral.Add(create);
        });

        // A manager incarnation tells every connection when it has recovered. The registration and the
        // ephemeral starts are sent again: harmless for the incarnation that already has them, and a
        // restarted one (after a store failure) needs them. Ephemeral subscriptions restart from their
        // firstEvent ('newest' by default): they keep no offsets.
        Receive<SubscriptionManager.Started>(_ =>
        {
            if (_registration is not null) manager.Tell(_registration);
            foreach (var create in _ephemeral) manager.Tell(create, ActorRefs.NoSender);
        });

        Receive<Connection.Deliver>(d =>
        {
            var dispatcher = Sender;
            if (_dispatchers.Add(dispatcher)) Context.Watch(dispatcher);
            Track(d.Id, new Pending(dispatcher, d.Subscription.Ref));
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

        Receive<TransportFailed>(f =>
        {
            _log.Warning("Delivery {0} on connection {1} failed: {2}", f.Id, connectionId, f.Error.Message);
            if (Take(f.Id, p => p.Dispatcher.Equals(f.Dispatcher)) is { } pending)
                pending.Dispatcher.Tell(new Connection.DeliveryFailed(f.Id, f.Error.Message));
        });

        Receive<Connection.Respond>(r =>
        {
            if (Take(r.Response.Id, p => Matches(p.Subscription, r.Response.Subscription)) is { } pending)
                pending.Dispatcher.Tell(new Connection.Responded(r.Response));
            else _log.Info("Ignoring a response on connection {0} for {1}: not in flight (late, duplicate or after a rewind)", connectionId, r.Response.Id);
        });

        Receive<Connection.Close>(_ =>
        {
            manager.Tell(new SubscriptionManager.ConnectionClosed(connectionId));
            Context.Stop(Self);
        });

        Receive<Terminated>(t =>
        {
            _dispatchers.Remove(t.ActorRef);
            foreach (var (id, chain) in _inFlight.ToList()) Replace(id, Without(chain, p => p.Dispatcher.Equals(t.ActorRef)));
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(SubscriptionManager.Started));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Track(Guid id, Pending pending)
    {
        // A redelivery replaces the earlier one of the same dispatcher.
        var others = _inFlight.TryGetValue(id, out var chain) ? Without(chain, p => p.Dispatcher.Equals(pending.Dispatcher)) : null;
        _inFlight[id] = others is null ? pending : Append(others, pending);
    }

    private Pending? Take(Guid id, Func<Pending, bool> match)
    {
        if (!_inFlight.TryGetValue(id, out var chain)) return null;
        for (var p = chain; p is not null; p = p.Next)
        {
            if (!match(p)) continue;
            Replace(id, Without(chain, candidate => ReferenceEquals(candidate, p)));
            return p;
        }
        return null;
    }

    private void Replace(Guid id, Pending? chain)
    {
        if (chain is null) _inFlight.Remove(id);
        else _inFlight[id] = chain;
    }

    // The chain without the entries that match, oldest first as before.
    private static Pending? Without(Pending? chain, Func<Pending, bool> remove) =>
        chain is null ? null
        : remove(chain) ? Without(chain.Next, remove)
        : chain with { Next = Without(chain.Next, remove) };

    private static Pending Append(Pending chain, Pending last) =>
        chain with { Next = chain.Next is null ? last with { Next = null } : Append(chain.Next, last) };

    private static bool Matches(SubscriptionRef delivered, SubscriptionRef? named) => named switch
    {
        null => true,
        { Id: { } id } => delivered.Id == id,
        { Name: { } name } => delivered.Name == name && (named.Namespace is null || delivered.Namespace == named.Namespace),
        _ => true,
    };
}
