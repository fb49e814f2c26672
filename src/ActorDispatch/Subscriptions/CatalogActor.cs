using ActorDispatch.ChangeEvents;
using ActorDispatch.Configuration;
using ActorDispatch.Log;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// The catalog of durable subscriptions, event-sourced (see <see cref="Catalog"/>). Creating,
/// updating and deleting a subscription is persisted here first, then sent to the subscription
/// through the host (which defines, redefines or deletes it) and to the watching registries. On
/// recovery every subscription is defined again, so that all of them run with no traffic, as
/// remember-entities does in a cluster. A restart of the catalog (after a store failure) leaves the
/// running subscriptions and their dispatch alone.
/// </summary>
internal sealed class CatalogActor : ReceivePersistentActor
{
    private readonly DispatchSettings _settings;
    private readonly SubscriptionValidator _validator;
    private readonly IActorRef _logs;
    private readonly IActorRef _subscriptions;
    private readonly IActorRef _changeEvents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _watchers = [];
    private SubscriptionCatalog _catalog = SubscriptionCatalog.Empty;

    public CatalogActor(DispatchSettings settings, SubscriptionValidator validator, IActorRef logs, IActorRef subscriptions, IActorRef changeEvents)
    {
        _settings = settings;
        _validator = validator;
        _logs = logs;
        _subscriptions = subscriptions;
        _changeEvents = changeEvents;

        Recover<SnapshotOffer>(o => _catalog = _catalog.Apply(o.Snapshot));
        Recover<CatalogEvents.Added>(e => _catalog = _catalog.Apply(e));
        Recover<CatalogEvents.Updated>(e => _catalog = _catalog.Apply(e));
        Recover<CatalogEvents.Removed>(e => _catalog = _catalog.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var s in _catalog.ById.Values) ToSubscription(s.Id, new DurableSubscription.Define(s));
            Context.System.EventStream.Publish(Catalog.Started.Instance);
        });

        Command<Catalog.Create>(c => Guarded(() => OnCreate(c)));
        Command<EventLog.HeadResolved<Catalog.Create>>(OnHeadResolved);
        Command<EventLog.HeadFailed>(f => f.ReplyTo.Tell(new Status.Failure(f.Cause)));
        Command<Catalog.Delete>(d => Guarded(() => OnDelete(d)));
        Command<Catalog.Get>(g => Guarded(() => Sender.Tell(Find(g.Namespace, g.IdOrName))));
        Command<Catalog.List>(l => Sender.Tell(new Catalog.Listed(_catalog.InNamespace(l.Namespace).ToList())));
        // Answered by the subscription itself, or by the host with a retryable error while it restarts.
        Command<Catalog.ToSubscription>(t => Guarded(() =>
            _subscriptions.Forward(new SubscriptionHost.Envelope(Find(t.Namespace, t.IdOrName).Id, t.Message))));
        Command<Catalog.Watch>(w =>
        {
            if (_watchers.Add(w.Watcher)) Context.Watch(w.Watcher);
            w.Watcher.Tell(new Catalog.View(_catalog.ById.Values.ToList()));
        });
        Command<Terminated>(t => _watchers.Remove(t.ActorRef));
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Snapshot of the subscription catalog failed"));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning(f.Cause, "Trimming the subscription catalog journal failed"));
    }

    public override string PersistenceId => Catalog.PersistenceId;

    public static Props Props(DispatchSettings settings, SubscriptionValidator validator, IActorRef logs, IActorRef subscriptions, IActorRef changeEvents) =>
        Akka.Actor.Props.Create(() => new CatalogActor(settings, validator, logs, subscriptions, changeEvents));

    // Bad input is answered with its error; the catalog keeps running. Anything else thrown here is a
    // bug, found before anything was persisted: the caller hears of it rather than waiting for an
    // answer that a restarted catalog would never send.
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
        catch (Exception ex)
        {
            _log.Error(ex, "A subscription request failed unexpectedly; the catalog is unchanged");
            Sender.Tell(new Status.Failure(ex));
        }
    }

    private Subscription Find(string ns, string idOrName) =>
        _catalog.Find(ns, idOrName) ?? throw Errors.SubscriptionNotFound(ns, idOrName);

    private void OnCreate(Catalog.Create create)
    {
        var existing = _catalog.Find(create.Input.Namespace, create.Input.Name);
        var input = _validator.KeepStored(create.Input, existing is not null && existing.Name == create.Input.Name ? existing : null);
        var options = _validator.ValidateDurable(input);
        if (existing is not null && existing.Name == input.Name)
        {
            if (!create.Upsert) throw Errors.SubscriptionExists(input.Namespace, input.Name);
            // An update keeps the id, the creation time and the resolved firstEvent: the offset stays.
            var updated = existing with
            {
                Transport = input.Transport,
                Filter = input.Filter,
                Options = options with { FirstEvent = existing.Options.FirstEvent },
                Updated = UtcTimestampJsonConverter.Now(),
            };
            var replyTo = Sender;
            PersistCatalog(new CatalogEvents.Updated(updated), () =>
            {
                // The subscription answers the caller once no dispatcher of the old definition runs.
                ToSubscription(updated.Id, new DurableSubscription.Define(updated, replyTo, new Catalog.Saved(updated, Created: false)));
                ToWatchers(new Catalog.Changed(updated));
                Announce(updated, ChangeEventType.Updated);
            });
            return;
        }
        if (_catalog.Full(input.Namespace, _settings.MaxSubscriptions, _settings.MaxSubscriptionsPerNamespace) is { } full) throw full;

        EventLog.ResolveHead(_logs, input.Namespace, create with { Input = input with { Options = options } }, Sender, Self, _settings.AskTimeout);
    }

    private void OnHeadResolved(EventLog.HeadResolved<Catalog.Create> resolved)
    {
        var input = resolved.Request.Input;
        // Checked again: another create may have completed while the head was being resolved.
        if (_catalog.Find(input.Namespace, input.Name) is { } taken && taken.Name == input.Name)
        {
            resolved.ReplyTo.Tell(new Status.Failure(Errors.SubscriptionExists(input.Namespace, input.Name)));
            return;
        }
        if (_catalog.Full(input.Namespace, _settings.MaxSubscriptions, _settings.MaxSubscriptionsPerNamespace) is { } full)
        {
            resolved.ReplyTo.Tell(new Status.Failure(full));
            return;
        }

        var subscription = SubscriptionDefinitions.New(Guid.NewGuid(), input.Namespace, input.Name, input.Transport, input.Filter, input.Options,
            ephemeral: false, resolved.Head);
        PersistCatalog(new CatalogEvents.Added(subscription), () =>
        {
            ToSubscription(subscription.Id, new DurableSubscription.Define(subscription));
            ToWatchers(new Catalog.Changed(subscription));
            Announce(subscription, ChangeEventType.Created);
            resolved.ReplyTo.Tell(new Catalog.Saved(subscription, Created: true));
        });
    }

    private void OnDelete(Catalog.Delete delete)
    {
        var subscription = Find(delete.Namespace, delete.IdOrName);
        var replyTo = Sender;
        PersistCatalog(new CatalogEvents.Removed(subscription.Id), () =>
        {
            ToSubscription(subscription.Id, DurableSubscription.Delete.Instance);
            ToWatchers(new Catalog.Removed(subscription.Id));
            Announce(subscription, ChangeEventType.Deleted);
            replyTo.Tell(new Catalog.Deleted(subscription));
        });
    }

    private void PersistCatalog(object e, Action then) => Persist(e, persisted =>
    {
        _catalog = _catalog.Apply(persisted);
        then();
        if (LastSequenceNr % _settings.SnapshotEvery == 0) SaveSnapshot(_catalog.ToSnapshot());
    });

    private void ToSubscription(Guid id, object message) => _subscriptions.Tell(new SubscriptionHost.Envelope(id, message));

    private void ToWatchers(object message)
    {
        foreach (var watcher in _watchers) watcher.Tell(message);
    }

    // Subscription changes are what an operator reads the log for: one line each, at Info.
    private void Announce(Subscription s, ChangeEventType type)
    {
        _log.Info("Subscription {0} on transport {1} {2}", s.Ref, s.Transport, type.ToString().ToLowerInvariant());
        Publish(s, type);
    }

    private void Publish(Subscription s, ChangeEventType type) =>
        _changeEvents.Tell(new ChangeEventHub.Publish(new ChangeEvent
        {
            Collection = ChangeEventHub.SubscriptionsCollection, Type = type, Namespace = s.Namespace, Id = s.Id.ToString(),
        }));
}
