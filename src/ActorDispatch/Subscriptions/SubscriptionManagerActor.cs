using System.Text.RegularExpressions;
using ActorDispatch.ChangeEvents;
using ActorDispatch.Configuration;
using ActorDispatch.Dispatch;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Transports;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// Keeps the catalog of durable subscriptions (event-sourced), one child actor per durable
/// subscription, and the connections. For each subscription exactly one matching connection is
/// active; the others wait in registration order and take over when it closes or stops matching.
/// Ephemeral subscriptions are dispatchers owned by their connection and end with it.
/// </summary>
internal sealed class SubscriptionManagerActor : ReceivePersistentActor, IWithTimers
{
    // A durable subscription actor stopped without being deleted (its store write failed): start it again.
    private sealed record RestartChild(Guid Id);

    private sealed record Connected(string Transport, SubscriptionMatcher Matcher, IActorRef Ref, long Order);

    // A creation waiting for the log's head to resolve firstEvent.
    private sealed record HeadResolved(object Request, IActorRef ReplyTo, long Head);

    private sealed record HeadFailed(IActorRef ReplyTo, Exception Cause);

    private readonly DispatchSettings _settings;
    private readonly SubscriptionValidator _validator;
    private readonly DurableSubscription.Dependencies _deps;
    private readonly IActorRef _changeEvents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Guid, IActorRef> _children = new();
    private readonly Dictionary<string, Connected> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, string> _active = new();
    private readonly Dictionary<string, List<IActorRef>> _ephemeral = new(StringComparer.Ordinal);
    private SubscriptionCatalog _catalog = SubscriptionCatalog.Empty;
    private long _connectionOrder;
    // Recently closed connections: an ephemeral start still resolving its head when its connection
    // closed must not start afterwards. Bounded: only a start in flight at the close needs it.
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private readonly Queue<string> _closedOrder = new();
    private const int ClosedRemembered = 10_000;
    private long _incarnation;

    public SubscriptionManagerActor(DispatchSettings settings, SubscriptionValidator validator, DurableSubscription.Dependencies deps, IActorRef changeEvents)
    {
        _settings = settings;
        _validator = validator;
        _deps = deps;
        _changeEvents = changeEvents;

        Recover<SnapshotOffer>(o => _catalog = _catalog.Apply(o.Snapshot));
        Recover<CatalogEvents.Added>(e => _catalog = _catalog.Apply(e));
        Recover<CatalogEvents.Updated>(e => _catalog = _catalog.Apply(e));
        Recover<CatalogEvents.Removed>(e => _catalog = _catalog.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var s in _catalog.ById.Values) StartChild(s);
            Context.System.EventStream.Publish(SubscriptionManager.Started.Instance);
        });

        Command<SubscriptionManager.Create>(c => Guarded(() => OnCreate(c)));
        Command<SubscriptionManager.CreateEphemeral>(c => Guarded(() => OnCreateEphemeral(c)));
        Command<HeadResolved>(OnHeadResolved);
        Command<HeadFailed>(f => f.ReplyTo.Tell(new Status.Failure(f.Cause)));
        Command<SubscriptionManager.Delete>(d => Guarded(() => OnDelete(d)));
        Command<SubscriptionManager.Get>(g => Guarded(() => Sender.Tell(Find(g.Namespace, g.IdOrName))));
        Command<SubscriptionManager.List>(l => Sender.Tell((IReadOnlyList<Subscription>)_catalog.InNamespace(l.Namespace).ToList()));
        Command<SubscriptionManager.GetStatus>(g => Guarded(() => Child(g.Namespace, g.IdOrName).Forward(Dispatcher.GetStatus.Instance)));
        Command<SubscriptionManager.GetSubscriptionActors>(_ => Sender.Tell(new SubscriptionManager.SubscriptionActors(_children.Values.ToList())));
        Command<SubscriptionManager.RegisterConnection>(OnRegisterConnection);
        Command<SubscriptionManager.ConnectionClosed>(OnConnectionClosed);
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Snapshot of the subscription catalog failed"));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning(f.Cause, "Trimming the subscription catalog journal failed"));
        Command<Terminated>(t =>
        {
            foreach (var list in _ephemeral.Values) list.Remove(t.ActorRef);
            var child = _children.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef));
            if (child.Value is null) return; // deleted: no longer a child
            _children.Remove(child.Key);
            _log.Warning("Subscription {0} stopped unexpectedly; restarting it in {1}", child.Key, _settings.RewindBackoffMax);
            Timers.StartSingleTimer(child.Key, new RestartChild(child.Key), _settings.RewindBackoffMax);
        });
        Command<RestartChild>(r =>
        {
            if (_children.ContainsKey(r.Id) || !_catalog.ById.TryGetValue(r.Id, out var subscription)) return;
            StartChild(subscription);
            Reassign(subscription, force: true);
        });
    }

    public override string PersistenceId => SubscriptionManager.PersistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DispatchSettings settings, SubscriptionValidator validator, DurableSubscription.Dependencies deps, IActorRef changeEvents) =>
        Akka.Actor.Props.Create(() => new SubscriptionManagerActor(settings, validator, deps, changeEvents));

    // Bad input is answered with its error; the manager keeps running.
    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (ActorDispatchException ex)
        {
            Sender.Tell(new Status.Failure(ex));
        }
    }

    private Subscription Find(string ns, string idOrName) =>
        _catalog.Find(ns, idOrName) ?? throw Errors.SubscriptionNotFound(ns, idOrName);

    // A subscription whose actor stopped (its store write failed) is known to the catalog but has no
    // actor until RestartChild: callers get a clear, retryable error rather than a crashed manager.
    private IActorRef Child(string ns, string idOrName) =>
        _children.TryGetValue(Find(ns, idOrName).Id, out var child) ? child : throw Errors.SubscriptionRestarting(ns, idOrName);

    private void OnCreate(SubscriptionManager.Create create)
    {
        var input = create.Input;
        var options = _validator.ValidateDurable(input);
        var existing = _catalog.Find(input.Namespace, input.Name);
        if (existing is not null && existing.Name == input.Name)
        {
            if (!create.Upsert) throw Errors.SubscriptionExists(input.Namespace, input.Name);
            // An update keeps the id, the creation time and the resolved firstEvent: the offset stays.
            var updated = existing with
            {
                Transport = input.Transport,
                Filter = input.Filter,
                Options = options with { FirstEvent = existing.Options.FirstEvent },
                Updated = DateTimeOffset.UtcNow,
            };
            var replyTo = Sender;
            PersistCatalog(new CatalogEvents.Updated(updated), () =>
            {
                // The subscription answers the caller once no dispatcher of the old definition runs. One
                // that is restarting starts again from the catalog, with the new definition.
                var saved = new SubscriptionManager.Saved(updated, Created: false);
                if (_children.TryGetValue(updated.Id, out var child)) child.Tell(new DurableSubscription.Define(updated, replyTo, saved));
                else replyTo.Tell(saved);
                Reassign(updated, force: existing.Transport != updated.Transport);
                Announce(updated, ChangeEventType.Updated);
            });
            return;
        }
        if (_catalog.Count >= _settings.MaxSubscriptions) throw Errors.TooManySubscriptions(_settings.MaxSubscriptions);
        ResolveHead(input.Namespace, create with { Input = input with { Options = options } });
    }

    private void OnCreateEphemeral(SubscriptionManager.CreateEphemeral create)
    {
        EventValidator.ValidateNamespace(create.Namespace);
        var options = _validator.Validate(create.Transport, create.Filter, create.Options);
        if (create.ChangeEvents is not null) CompileChangeEventsRegex(create.ChangeEvents);
        ResolveHead(create.Namespace, create with { Options = options });
    }

    // firstEvent 'newest' needs the log's head: ask it and come back with the answer as a message.
    private void ResolveHead(string ns, object request)
    {
        var replyTo = Sender;
        _deps.Logs.Ask<EventLog.Head>(new EventLog.GetHead(ns), _settings.AskTimeout)
            .PipeTo(Self, success: h => new HeadResolved(request, replyTo, h.Sequence), failure: ex => new HeadFailed(replyTo, ex));
    }

    private void OnHeadResolved(HeadResolved resolved)
    {
        try
        {
            switch (resolved.Request)
            {
                case SubscriptionManager.Create create:
                    CreateDurable(create.Input, resolved.Head, resolved.ReplyTo);
                    break;
                case SubscriptionManager.CreateEphemeral create:
                    StartEphemeral(create, resolved.Head, resolved.ReplyTo);
                    break;
            }
        }
        catch (ActorDispatchException ex)
        {
            resolved.ReplyTo.Tell(new Status.Failure(ex));
        }
    }

    private void CreateDurable(SubscriptionInput input, long head, IActorRef replyTo)
    {
        // Checked again: another create may have completed while the head was being resolved.
        if (_catalog.Find(input.Namespace, input.Name) is { } taken && taken.Name == input.Name)
            throw Errors.SubscriptionExists(input.Namespace, input.Name);
        if (_catalog.Count >= _settings.MaxSubscriptions) throw Errors.TooManySubscriptions(_settings.MaxSubscriptions);

        var subscription = NewSubscription(Guid.NewGuid(), input.Namespace, input.Name, input.Transport, input.Filter, input.Options, ephemeral: false, head);
        PersistCatalog(new CatalogEvents.Added(subscription), () =>
        {
            StartChild(subscription);
            Reassign(subscription, force: false);
            Announce(subscription, ChangeEventType.Created);
            replyTo.Tell(new SubscriptionManager.Saved(subscription, Created: true));
        });
    }

    private void StartEphemeral(SubscriptionManager.CreateEphemeral create, long head, IActorRef replyTo)
    {
        var name = $"ephemeral-{create.Id:N}";
        if (!Context.Child(name).IsNobody()) return; // sent again by its connection: already running
        if (_closed.Contains(create.ConnectionId)) throw Errors.ConnectionClosed(create.ConnectionId);

        // A connection that only serves ephemeral subscriptions is known here with a matcher that accepts no durable one.
        if (!_connections.ContainsKey(create.ConnectionId))
            _connections[create.ConnectionId] = new Connected(create.Transport, _ => false, create.Connection, ++_connectionOrder);
        var subscription = NewSubscription(create.Id, create.Namespace, name, create.Transport, create.Filter, create.Options, ephemeral: true, head);
        var setup = new Dispatch.Dispatcher.Setup(subscription, EffectiveOptions.From(subscription.Options, _settings), FirstEvent.InitialOffset(subscription),
            create.Connection, create.ConnectionId, _deps.Logs, _deps.Reader, _settings);
        var dispatcher = Context.Watch(Context.ActorOf(Dispatch.Dispatcher.Props(setup), name));
        if (!_ephemeral.TryGetValue(create.ConnectionId, out var list)) _ephemeral[create.ConnectionId] = list = [];
        list.Add(dispatcher);

        if (create.ChangeEvents is not null && _validator.Transport(create.Transport) is IChangeEventListener listener)
            _changeEvents.Tell(new ChangeEventHub.Listen(create.ConnectionId, create.Namespace, CompileChangeEventsRegex(create.ChangeEvents), listener));
        replyTo.Tell(subscription);
    }

    private static Subscription NewSubscription(Guid id, string ns, string name, string transport, SubscriptionFilter filter,
        SubscriptionOptions options, bool ephemeral, long head)
    {
        var now = DateTimeOffset.UtcNow;
        return new Subscription
        {
            Id = id,
            Namespace = ns,
            Name = name,
            Transport = transport,
            Filter = filter,
            Options = options with { FirstEvent = FirstEvent.Resolve(options.FirstEvent, head) },
            Ephemeral = ephemeral,
            Created = now,
            Updated = now,
        };
    }

    private static Regex CompileChangeEventsRegex(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException ex)
        {
            throw Errors.InvalidRegex("changeEvents", pattern, ex.Message);
        }
    }

    private void OnDelete(SubscriptionManager.Delete delete)
    {
        var subscription = Find(delete.Namespace, delete.IdOrName);
        var replyTo = Sender;
        PersistCatalog(new CatalogEvents.Removed(subscription.Id), () =>
        {
            _active.Remove(subscription.Id);
            if (_children.Remove(subscription.Id, out var child)) child.Tell(DurableSubscription.Delete.Instance);
            Announce(subscription, ChangeEventType.Deleted);
            replyTo.Tell(new SubscriptionManager.Deleted(subscription));
        });
    }

    private void PersistCatalog(object e, Action then) => Persist(e, persisted =>
    {
        _catalog = _catalog.Apply(persisted);
        then();
        if (LastSequenceNr % _settings.SnapshotEvery == 0) SaveSnapshot(_catalog.ToSnapshot());
    });

    private void StartChild(Subscription subscription)
    {
        var child = Context.Watch(Context.ActorOf(DurableSubscription.Props(subscription.Id, _deps), $"subscription-{subscription.Id:N}-{++_incarnation}"));
        _children[subscription.Id] = child;
        child.Tell(new DurableSubscription.Define(subscription));
    }

    private void Announce(Subscription s, ChangeEventType type) =>
        _changeEvents.Tell(new ChangeEventHub.Publish(new ChangeEvent
        {
            Collection = ChangeEventHub.SubscriptionsCollection, Type = type, Namespace = s.Namespace, Id = s.Id.ToString(),
        }));

    private void OnRegisterConnection(SubscriptionManager.RegisterConnection register)
    {
        var order = _connections.TryGetValue(register.ConnectionId, out var known) ? known.Order : ++_connectionOrder;
        _connections[register.ConnectionId] = new Connected(register.Transport, register.Matcher, register.Connection, order);
        foreach (var s in _catalog.ById.Values.Where(s => s.Transport == register.Transport)) Reassign(s, force: false);
    }

    private void OnConnectionClosed(SubscriptionManager.ConnectionClosed closed)
    {
        if (_closed.Add(closed.ConnectionId))
        {
            _closedOrder.Enqueue(closed.ConnectionId);
            if (_closedOrder.Count > ClosedRemembered) _closed.Remove(_closedOrder.Dequeue());
        }
        if (!_connections.Remove(closed.ConnectionId, out var connection)) return;
        if (_ephemeral.Remove(closed.ConnectionId, out var dispatchers))
        {
            foreach (var d in dispatchers) Context.Stop(d);
        }
        _changeEvents.Tell(new ChangeEventHub.Unlisten(closed.ConnectionId));
        foreach (var s in _catalog.ById.Values.Where(s => s.Transport == connection.Transport)) Reassign(s, force: false);
    }

    /// <summary>
    /// Chooses the active connection for a subscription: the current one while it still matches,
    /// otherwise the earliest-registered matching connection, or none.
    /// </summary>
    private void Reassign(Subscription subscription, bool force)
    {
        var candidates = _connections
            .Where(kv => kv.Value.Transport == subscription.Transport && Matches(kv.Key, kv.Value, subscription))
            .OrderBy(kv => kv.Value.Order)
            .Select(kv => kv.Key)
            .ToList();
        _active.TryGetValue(subscription.Id, out var current);
        if (!force && current is not null && candidates.Contains(current)) return;

        var next = candidates.FirstOrDefault();
        if (next == current && !force) return;
        if (!_children.TryGetValue(subscription.Id, out var child)) return;
        if (next is null)
        {
            if (current is null && !force) return;
            _active.Remove(subscription.Id);
            child.Tell(DurableSubscription.Unassign.Instance);
        }
        else
        {
            _active[subscription.Id] = next;
            child.Tell(new DurableSubscription.Assign(_connections[next].Ref, next));
        }
    }

    private bool Matches(string connectionId, Connected connection, Subscription subscription)
    {
        try
        {
            return connection.Matcher(subscription.Ref);
        }
        catch (Exception ex)
        {
            _log.Warning(ex, "Matcher of connection {0} threw for subscription {1}; treated as no match", connectionId, subscription.Ref);
            return false;
        }
    }
}
