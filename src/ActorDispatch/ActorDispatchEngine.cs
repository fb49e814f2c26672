using System.Globalization;
using System.Runtime.CompilerServices;
using ActorDispatch.ChangeEvents;
using ActorDispatch.Cluster;
using ActorDispatch.Configuration;
using ActorDispatch.Connections;
using ActorDispatch.Diagnostics;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using ActorDispatch.Transports;
using ActorDispatch.Transports.InProcess;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Pattern;
using Akka.Event;
using Done = Akka.Done;

namespace ActorDispatch;

/// <summary>Programmatic engine set-up carried into the <see cref="ActorSystem"/>: the transports to run besides the built-in <c>system</c> one.</summary>
public sealed class ActorDispatchSetup : Setup
{
    public ActorDispatchSetup(IEnumerable<IEventTransport> transports) => Transports = transports.ToList();

    public IReadOnlyList<IEventTransport> Transports { get; }
}

/// <summary>
/// The engine of one <see cref="ActorSystem"/>, an Akka extension: <c>ActorDispatchEngine.Get(system)</c>
/// starts it on first use with the transports of the system's <see cref="ActorDispatchSetup"/>.
/// Needs <see cref="ActorDispatchConfig.Reference"/> and a storage config (<see cref="StorageConfig"/>)
/// in the system's configuration; Akka.Hosting's <c>WithActorDispatch</c> does both.
/// </summary>
public sealed partial class ActorDispatchEngine : IActorDispatch, IExtension
{
    private readonly DispatchSettings _settings;
    private readonly IActorRef _logs;
    private readonly IActorRef _catalog;
    private readonly IActorRef _subscriptions;
    private readonly IActorRef _registry;
    private readonly IActorRef _changeEvents;
    private readonly EventReader _reader;
    private readonly SystemTransport _system = new();
    private readonly Task _ready;
    private readonly IReadOnlyList<IEventTransport> _transports;
    private readonly SubscriptionValidator _validator;
    private readonly ClusterSettings? _cluster;

    internal ActorDispatchEngine(ActorSystem system, IEnumerable<IEventTransport> transports)
    {
        _settings = DispatchSettings.Create(system);
        var all = transports.Prepend(_system).ToList();
        var duplicate = all.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw Errors.InvalidField("transports", $"two transports are named '{duplicate.Key}'");

        _cluster = ClusterSettings.Create(system);
        if (_cluster is not null && StorageConfig.IsSqlite(system.Settings.Config)) throw Errors.ClusterNeedsPostgres();
        _ = StorageConfig.DurabilityOf(system); // refuses a durability the store is not set up for
        _reader = new EventReader(system, new LogPositions());
        var metrics = Metrics = ActorDispatchMetrics.Get(system);
        if (_cluster is not null) metrics.Cluster.Attach(Akka.Cluster.Cluster.Get(system));
        _changeEvents = system.ActorOf(ChangeEventHub.Props(), "actordispatch-changes");
        if (WalCheckpointSettings.Create(system.Settings.Config) is { } wal) system.ActorOf(WalCheckpointer.Props(wal), "actordispatch-wal-checkpoints");
        var logs = EventLogs.Props(_settings, _changeEvents, _reader.Positions, metrics);
        _logs = _cluster is null ? system.ActorOf(logs, "actordispatch-logs") : ClusterEntities.StartLogs(system, _cluster, logs);
        var configs = all.Select(t => (Transport: t, Config: ConfigFor(system, t))).ToList();
        var validator = _validator = new SubscriptionValidator(_settings, all);
        var deps = new DurableSubscription.Dependencies(_logs, _reader, _settings, _changeEvents, _cluster, metrics);
        _subscriptions = _cluster is null
            ? system.ActorOf(SubscriptionHost.Props(deps), "actordispatch-subscriptions")
            : ClusterEntities.StartSubscriptions(system, _cluster, SubscriptionHost.Props(deps));
        // A persistent actor stops when a store write fails; the supervisor starts it again (with
        // backoff while the store is down). The running subscriptions are not its children and go on.
        var catalog = SupervisedProps(CatalogActor.Props(_settings, validator, _logs, _subscriptions, _changeEvents));
        _catalog = _cluster is null ? system.ActorOf(catalog, "actordispatch-catalog") : ClusterEntities.StartCatalog(system, _cluster, catalog);
        // In memory only; started again if it fails, and then the connections register again.
        _registry = system.ActorOf(SupervisedProps(ConnectionRegistryActor.Props(validator, deps, _catalog, _subscriptions)), "actordispatch-connections");

        _ready = Task.WhenAll(configs.Select(c => c.Transport.InitAsync(c.Config, new TransportCallbacks(system, _registry, _catalog, c.Transport, _settings))));
        _ready.ContinueWith(t => Logging.GetLogger(system, "actordispatch").Error(t.Exception, "A transport failed to start"),
            TaskContinuationOptions.OnlyOnFaulted);

        _transports = all;
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, "actordispatch-stop", StopAsync);
    }

    private Props SupervisedProps(Props props) =>
        BackoffSupervisor.Props(Backoff.OnStop(props, "actor", _settings.RewindBackoffMin, _settings.RewindBackoffMax, 0.2, maxNrOfRetries: -1));

    /// <summary>The engine of <paramref name="system"/>, started on first call.</summary>
    public static ActorDispatchEngine Get(ActorSystem system) => system.WithExtension<ActorDispatchEngine, ActorDispatchEngineProvider>();

    /// <summary>The engine's instruments (meter <see cref="ActorDispatchMeter.Name"/>), one set per system.</summary>
    internal ActorDispatchMetrics Metrics { get; }

    /// <summary>Completes when every transport has finished <see cref="IEventTransport.InitAsync"/>.</summary>
    public Task Ready => _ready;

    private static TransportConfig ConfigFor(ActorSystem system, IEventTransport transport)
    {
        var builder = new TransportConfigBuilder();
        transport.InitConfig(builder);
        var path = $"actordispatch.transports.{transport.Name}";
        var section = system.Settings.Config.HasPath(path) ? system.Settings.Config.GetConfig(path) : null;
        return builder.Build(transport.Name, section);
    }

    // Committed offsets are persisted at once on shutdown, so a clean stop redelivers nothing; then
    // transports that hold resources (sockets, HTTP pools) release them. Closing a connection still
    // reads the acks its client sent before the close (a host may already be closing them when this
    // starts), so offsets are persisted once more after the transports have stopped; the first pass
    // keeps what was acked before, should a slow close outlast the shutdown phase.
    private async Task<Done> StopAsync()
    {
        try
        {
            await FlushSubscriptionsAsync().ConfigureAwait(false);
        }
        finally
        {
            foreach (var disposable in _transports.OfType<IAsyncDisposable>())
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
        await FlushSubscriptionsAsync().ConfigureAwait(false);
        return Done.Instance;
    }

    // In a cluster the shard regions hand their subscriptions off when the node leaves, later in
    // the shutdown, and each persists its offset as it is drained.
    private async Task FlushSubscriptionsAsync()
    {
        if (_cluster is not null) return;
        var actors = await _subscriptions.AskEngine<SubscriptionHost.Actors>(SubscriptionHost.GetActors.Instance, _settings.AskTimeout).ConfigureAwait(false);
        await Task.WhenAll(actors.Running.Select(a => a.Ask<DurableSubscription.Flushed>(DurableSubscription.Flush.Instance, _settings.AskTimeout)
            .ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
    }

    public async Task<Event?> GetEventAsync(string @namespace, Guid id, CancellationToken cancellationToken = default)
    {
        EventValidator.ValidateNamespace(@namespace);
        try
        {
            return await _reader.FindAsync(@namespace, id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Errors.ReadFailed(@namespace, ex);
        }
    }

    public async Task<IReadOnlyList<Event>> ReadEventsAsync(string @namespace, long fromSequence, int limit, CancellationToken cancellationToken = default)
    {
        EventValidator.ValidateNamespace(@namespace);
        if (fromSequence < 1) throw Errors.InvalidField("fromSequence", "must be 1 or more");
        if (limit < 1) throw Errors.InvalidField("limit", "must be 1 or more");
        try
        {
            return await _reader.ReadAsync(@namespace, fromSequence, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Errors.ReadFailed(@namespace, ex);
        }
    }

    public async Task<long> GetHeadAsync(string @namespace, CancellationToken cancellationToken = default)
    {
        EventValidator.ValidateNamespace(@namespace);
        var head = await _logs.AskEngine<EventLog.Head>(new EventLog.GetHead(@namespace), _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return head.Sequence;
    }

    // What this API hands back shows write-only transport options (a webhook's secret, its header
    // values) masked; the transports get the definitions as stored.
    public async Task<Subscription> CreateSubscriptionAsync(SubscriptionInput input, CancellationToken cancellationToken = default) =>
        _validator.Redact((await Save(input, upsert: false, cancellationToken).ConfigureAwait(false)).Subscription);

    public async Task<SubscriptionSaveResult> UpsertSubscriptionAsync(SubscriptionInput input, CancellationToken cancellationToken = default)
    {
        var saved = await Save(input, upsert: true, cancellationToken).ConfigureAwait(false);
        return new SubscriptionSaveResult(_validator.Redact(saved.Subscription), saved.Created);
    }

    private async Task<Catalog.Saved> Save(SubscriptionInput input, bool upsert, CancellationToken cancellationToken)
    {
        await _ready.ConfigureAwait(false);
        return await _catalog.AskEngine<Catalog.Saved>(new Catalog.Create(input, upsert), _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Subscription?> GetSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default) =>
        await Catalog.FindAsync(_catalog, @namespace, idOrName, _settings.AskTimeout, cancellationToken).ConfigureAwait(false) is { } found
            ? _validator.Redact(found)
            : null;

    public async Task<SubscriptionStatus> GetSubscriptionStatusAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default)
    {
        var status = await ToSubscription<SubscriptionStatus>(@namespace, idOrName, Dispatch.Dispatcher.GetStatus.Instance, cancellationToken).ConfigureAwait(false);
        if (status.Connection is not null) return status; // a running dispatcher knows its head
        var head = await GetHeadAsync(@namespace, cancellationToken).ConfigureAwait(false);
        return status with { Lag = Math.Max(0, head - status.CurrentOffset) };
    }

    public async Task<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string @namespace, CancellationToken cancellationToken = default) =>
        (await _catalog.AskEngine<Catalog.Listed>(new Catalog.List(@namespace), _settings.AskTimeout, cancellationToken).ConfigureAwait(false)).Subscriptions
            .Select(_validator.Redact).ToList();

    public async Task<bool> DeleteSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default)
    {
        try
        {
            await _catalog.AskEngine<Catalog.Deleted>(new Catalog.Delete(@namespace, idOrName), _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ActorDispatchException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            return false;
        }
    }

    public async ValueTask<IReadOnlyList<ParkedEvent>> GetParkedEventsAsync(string @namespace, string idOrName, int skip = 0, int limit = 100,
        CancellationToken cancellationToken = default)
    {
        if (skip < 0) throw Errors.InvalidField("skip", "must be 0 or more");
        if (limit < 1) throw Errors.InvalidField("limit", "must be 1 or more");
        return (await ToSubscription<DurableSubscription.ParkedList>(@namespace, idOrName, new DurableSubscription.GetParked(skip, limit), cancellationToken)
            .ConfigureAwait(false)).Events;
    }

    public async ValueTask<int> ReplayParkedEventsAsync(string @namespace, string idOrName, IReadOnlyList<long>? sequences = null,
        CancellationToken cancellationToken = default) =>
        (await ToSubscription<DurableSubscription.Replaying>(@namespace, idOrName, new DurableSubscription.ReplayParked(sequences), cancellationToken)
            .ConfigureAwait(false)).Count;

    public async ValueTask<int> DiscardParkedEventsAsync(string @namespace, string idOrName, IReadOnlyList<long>? sequences = null,
        CancellationToken cancellationToken = default) =>
        (await ToSubscription<DurableSubscription.Discarded>(@namespace, idOrName, new DurableSubscription.DiscardParked(sequences), cancellationToken)
            .ConfigureAwait(false)).Count;

    public async ValueTask<long> ResetSubscriptionAsync(string @namespace, string idOrName, string firstEvent, CancellationToken cancellationToken = default)
    {
        EventValidator.ValidateNamespace(@namespace);
        _ = await GetSubscriptionAsync(@namespace, idOrName, cancellationToken).ConfigureAwait(false) ?? throw Errors.SubscriptionNotFound(@namespace, idOrName);
        var offset = await ResetOffsetAsync(@namespace, firstEvent, cancellationToken).ConfigureAwait(false);
        var done = await ToSubscription<DurableSubscription.ResetDone>(@namespace, idOrName, new DurableSubscription.Reset(offset), cancellationToken).ConfigureAwait(false);
        return done.Offset;
    }

    // The committed offset that makes firstEvent the next delivery.
    private async Task<long> ResetOffsetAsync(string @namespace, string firstEvent, CancellationToken cancellationToken)
    {
        switch (firstEvent)
        {
            case "oldest":
                return 0;
            case "newest":
                return await GetHeadAsync(@namespace, cancellationToken).ConfigureAwait(false);
        }
        if (long.TryParse(firstEvent, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence >= 1) return sequence - 1;
        if (!DateTimeOffset.TryParse(firstEvent, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            throw Errors.InvalidField("firstEvent", $"'{firstEvent}' is not 'oldest', 'newest', a sequence number >= 1 or an RFC 3339 time");
        return await FirstAtOrAfterAsync(@namespace, time, cancellationToken).ConfigureAwait(false) - 1;
    }

    // Binary search over the log: events are created in sequence order, so their times never go back.
    private async Task<long> FirstAtOrAfterAsync(string @namespace, DateTimeOffset time, CancellationToken cancellationToken)
    {
        long low = 1, high = await GetHeadAsync(@namespace, cancellationToken).ConfigureAwait(false) + 1; // high: none found yet
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            var read = await ReadEventsAsync(@namespace, middle, 1, cancellationToken).ConfigureAwait(false);
            if (read.Count > 0 && read[0].Created < time) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    public async ValueTask PauseSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default) =>
        await ToSubscription<DurableSubscription.PauseDone>(@namespace, idOrName, new DurableSubscription.Pause(true), cancellationToken).ConfigureAwait(false);

    public async ValueTask ResumeSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default) =>
        await ToSubscription<DurableSubscription.PauseDone>(@namespace, idOrName, new DurableSubscription.Pause(false), cancellationToken).ConfigureAwait(false);

    private Task<T> ToSubscription<T>(string @namespace, string idOrName, object message, CancellationToken cancellationToken) =>
        _catalog.AskEngine<T>(new Catalog.ToSubscription(@namespace, idOrName, message), _settings.AskTimeout, cancellationToken);

    public async IAsyncEnumerable<InProcessDelivery> ListenAsync(string @namespace, string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _ready.ConfigureAwait(false);
        var subscription = await GetSubscriptionAsync(@namespace, name, cancellationToken).ConfigureAwait(false)
            ?? throw Errors.SubscriptionNotFound(@namespace, name);
        if (subscription.Transport != SystemTransport.TransportName)
            throw Errors.WrongTransport(name, subscription.Transport, SystemTransport.TransportName);
        await foreach (var delivery in _system.Listen(@namespace, subscription.Name, cancellationToken).ConfigureAwait(false))
            yield return delivery;
    }

    public async IAsyncEnumerable<InProcessDelivery> ListenEphemeralAsync(string @namespace, SubscriptionFilter? filter = null, SubscriptionOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _ready.ConfigureAwait(false);
        await foreach (var delivery in _system.ListenEphemeral(@namespace, filter ?? SubscriptionFilter.Empty, options ?? SubscriptionOptions.Empty, cancellationToken)
                           .ConfigureAwait(false))
            yield return delivery;
    }

    public void PublishChangeEvent(ChangeEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _changeEvents.Tell(new ChangeEventHub.Publish(change));
    }
}

/// <summary>Creates the <see cref="ActorDispatchEngine"/> extension from the system's <see cref="ActorDispatchSetup"/>.</summary>
internal sealed class ActorDispatchEngineProvider : ExtensionIdProvider<ActorDispatchEngine>
{
    public override ActorDispatchEngine CreateExtension(ExtendedActorSystem system) =>
        new(system, system.Settings.Setup.Get<ActorDispatchSetup>().Select(s => s.Transports).GetOrElse([]));
}
