using System.Collections.Concurrent;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Options;
using ActorDispatch.Transports.Amqp.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace ActorDispatch.Transports.Amqp;

/// <summary>
/// The connect-out transport <c>amqp</c> (RabbitMQ and other AMQP 0-9-1 brokers): each delivery is
/// published to the subscription's <c>exchange</c> with a routing key made from its
/// <c>routingKey</c> template, and acked when the broker confirms it. A nack, a return (with
/// <c>mandatory</c>, an unroutable message) or no confirm within <c>confirm-timeout</c> rejects, so
/// that the engine rewinds and <c>maxDeliveries</c> applies. One connection to the broker serves
/// every amqp subscription, each publishing on a channel of its own, in order, with up to its window
/// in flight. When the broker goes, the engine is told the connection closed (nothing more is acked
/// or dispatched); the transport reconnects with backoff and registers the new connection, and
/// delivery resumes, in order, from the committed offsets. Message shape and options are in
/// docs/protocol.md.
/// </summary>
/// <remarks>
/// Configuration (HOCON <c>actordispatch.transports.amqp</c>), with defaults: <c>uri</c> (none: the
/// transport then refuses amqp subscriptions), <c>username</c>, <c>password</c> (override the
/// URI's), <c>tls { enabled, server-name, ca-file, cert-file, key-file, insecure-skip-verify }</c>,
/// <c>confirm-timeout = 30s</c>, <c>connection-timeout = 10s</c>, <c>heartbeat = 10s</c>,
/// <c>reconnect-backoff-min = 100ms</c>, <c>reconnect-backoff-max = 10s</c>, <c>egress-allow = ""</c>.
/// </remarks>
public sealed class AmqpTransport : IEventTransport, ISubscriptionDeletedListener, IAsyncDisposable
{
    /// <summary>The transport's name, in subscriptions' <c>transport</c>.</summary>
    public const string TransportName = "amqp";

    private readonly AmqpTransportOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<Guid, SubscriptionPublisher> _publishers = new();
    private AmqpSettings? _settings;
    private ITransportCallbacks? _callbacks;
    private BrokerConnector? _connector;
    private volatile BrokerSession? _session;
    private Task _supervisor = Task.CompletedTask;
    private ActorDispatchException? _startFailure;
    private int _connections;

    public AmqpTransport(AmqpTransportOptions? options = null)
    {
        _options = options ?? new AmqpTransportOptions();
        _log = _options.LoggerFactory?.CreateLogger("ActorDispatch.Transports.Amqp") ?? NullLogger.Instance;
    }

    public string Name => TransportName;

    public TransportCapabilities Capabilities { get; } = new(ChangeEvents: false, BatchDelivery: false);

    /// <summary>The id the current broker connection is registered under, or null while there is none.</summary>
    internal string? ConnectionId => _session is { Closed: false } s ? s.Id : null;

    /// <summary>Subscriptions with a publisher here.</summary>
    internal int Publishers => _publishers.Count;

    public void InitConfig(TransportConfigBuilder config) => AmqpSettings.Declare(config);

    /// <summary>
    /// Reads the configuration and starts connecting in the background: the engine starts whether or
    /// not the broker is up. A broker address the egress policy refuses fails the start (and
    /// amqp subscriptions are then refused with the same error).
    /// </summary>
    public async Task InitAsync(TransportConfig config, ITransportCallbacks callbacks, CancellationToken cancellationToken = default)
    {
        var settings = AmqpSettings.From(config, _options.Uri, _options.EgressAllow);
        _settings = settings;
        _callbacks = callbacks;
        if (settings.Uri is null)
        {
            _log.LogInformation("No AMQP broker configured (actordispatch.transports.amqp.uri): amqp subscriptions are refused");
            return;
        }
        var connector = new BrokerConnector(settings);
        try
        {
            await connector.CheckEgressAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ActorDispatchException ex)
        {
            // The engine logs a failed start and carries on: amqp subscriptions are refused with the reason.
            _startFailure = ex;
            throw;
        }
        _connector = connector;
        _supervisor = Task.Run(() => SuperviseAsync(connector, settings, _shutdown.Token));
    }

    public JsonDocument GetOptionsSchema() => AmqpOptionsSchema.Create();

    /// <summary>Refuses options that cannot work, naming the option; defaults <c>withData</c> to true, as webhooks do.</summary>
    public SubscriptionOptions ValidateOptions(SubscriptionOptions options)
    {
        if (_settings is { Uri: null })
            throw new ActorDispatchException(ErrorKind.BadRequest, "AD10102",
                "transport 'amqp' has no broker configured (set ActorDispatch:Transports:Amqp:Uri or actordispatch.transports.amqp.uri)");
        if (_startFailure is { } failure) throw new ActorDispatchException(failure.Kind, failure.Code, failure.Message[(failure.Code.Length + 2)..]);
        AmqpOptionsParser.Parse(options);
        return options.WithData is null ? options with { WithData = true } : options;
    }

    public Task DeliveryRequestAsync(string connectionId, Subscription subscription, EventDelivery delivery, JsonElement? data, CancellationToken cancellationToken = default)
    {
        // A delivery on a connection that has gone is left unanswered: the engine stopped its dispatchers there.
        if (_shutdown.IsCancellationRequested || _session is not { } session || session.Id != connectionId || session.Closed) return Task.CompletedTask;
        SubscriptionPublisher publisher;
        try
        {
            publisher = Publisher(subscription);
        }
        catch (ActorDispatchException ex)
        {
            _log.LogWarning("Subscription {Subscription}: options no longer valid: {Error}", delivery.Subscription, ex.Message);
            return Task.FromException(ex);
        }
        publisher.Enqueue(session, delivery);
        return Task.CompletedTask;
    }

    public void SubscriptionDeleted(Guid subscriptionId)
    {
        if (_publishers.TryRemove(subscriptionId, out var publisher)) _ = publisher.RetireAsync();
    }

    /// <summary>Stops publishing and closes the broker connection; unconfirmed deliveries are redelivered after a restart.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested) return;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_publishers.Values.Select(p => p.RetireAsync())).ConfigureAwait(false);
        _publishers.Clear();
        try
        {
            await _supervisor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _shutdown.Dispose();
    }

    /// <summary>
    /// Connects, registers the connection, waits for it to go, tells the engine, and connects again
    /// after a growing pause, until the transport stops.
    /// </summary>
    private async Task SuperviseAsync(BrokerConnector connector, AmqpSettings settings, CancellationToken token)
    {
        var failures = 0;
        while (!token.IsCancellationRequested)
        {
            var id = $"{TransportName}-{Interlocked.Increment(ref _connections)}";
            IConnection connection;
            try
            {
                connection = await connector.ConnectAsync(id, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var delay = Backoff.Delay(failures++, settings.ReconnectBackoffMin, settings.ReconnectBackoffMax, Random.Shared.NextDouble());
                var level = failures == 1 ? LogLevel.Warning : LogLevel.Debug;
                _log.Log(level, "AMQP broker {Broker} unreachable ({Error}); connecting again in {Delay}", settings.BrokerDescription, ex.Message, delay);
                if (!await PauseAsync(delay, token).ConfigureAwait(false)) return;
                continue;
            }

            failures = 0;
            var session = new BrokerSession(id, connection);
            var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.ConnectionShutdownAsync += (_, args) =>
            {
                session.MarkClosed();
                lost.TrySetResult($"{args.ReplyCode} {args.ReplyText}");
                return Task.CompletedTask;
            };
            if (!connection.IsOpen) lost.TrySetResult(connection.CloseReason?.ToString() ?? "closed");
            _session = session;
            _log.LogInformation("Connected to AMQP broker {Broker} as connection {Connection}", settings.BrokerDescription, id);
            Callbacks.RegisterConnection(id, static _ => true); // the engine offers only subscriptions whose transport is "amqp"

            string reason;
            try
            {
                reason = await lost.Task.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                session.MarkClosed();
                Callbacks.ConnectionClosed(id);
                await CloseQuietlyAsync(connection).ConfigureAwait(false);
                return;
            }
            Callbacks.ConnectionClosed(id);
            _log.LogWarning("Lost the AMQP broker connection {Connection} ({Reason}); unconfirmed deliveries will be redelivered after reconnecting", id, reason);
            await CloseQuietlyAsync(connection).ConfigureAwait(false);
            if (!await PauseAsync(settings.ReconnectBackoffMin, token).ConfigureAwait(false)) return;
        }
    }

    private static async Task<bool> PauseAsync(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task CloseQuietlyAsync(IConnection connection)
    {
        try
        {
            if (connection.IsOpen) await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The broker has gone: there is nothing to close politely.
        }
        connection.Dispose();
    }

    private ITransportCallbacks Callbacks => _callbacks ?? throw new InvalidOperationException("the amqp transport is not initialised");

    private void Respond(BrokerSession session, EventDeliveryResponse response) => Callbacks.DeliveryResponse(session.Id, response);

    /// <summary>
    /// The publisher of the subscription's current definition, made on its first delivery. A newer
    /// definition retires the older one: the engine restarted the dispatcher, so its deliveries are moot.
    /// </summary>
    private SubscriptionPublisher Publisher(Subscription subscription)
    {
        var version = SubscriptionPublisher.VersionOf(subscription);
        if (_publishers.TryGetValue(subscription.Id, out var existing) && existing.Version == version) return existing;
        var options = AmqpOptionsParser.Parse(subscription.Options);
        while (true)
        {
            if (_publishers.TryGetValue(subscription.Id, out existing))
            {
                if (existing.Version >= version) return existing;
                var fresh = Create(version, options);
                if (!_publishers.TryUpdate(subscription.Id, fresh, existing))
                {
                    _ = fresh.RetireAsync();
                    continue;
                }
                _ = existing.RetireAsync();
                return fresh;
            }
            var first = Create(version, options);
            if (_publishers.TryAdd(subscription.Id, first)) return first;
            _ = first.RetireAsync();
        }
    }

    private SubscriptionPublisher Create(DateTimeOffset version, AmqpOptions options) =>
        new(version, options, _settings!.ConfirmTimeout, Respond, _log);
}
