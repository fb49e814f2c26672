using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Mqtt.Options;
using ActorDispatch.Transports.Mqtt.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;

namespace ActorDispatch.Transports.Mqtt;

/// <summary>
/// The connect-out transport <c>mqtt</c>: each delivery is published to one MQTT 5 broker (the
/// transport's <c>server</c>) on the subscription's <c>topic</c>, with the subscription's
/// <c>qos</c> and <c>retain</c>. The broker's answer answers the engine: QoS 1 acks on the PUBACK,
/// QoS 2 on the PUBCOMP, QoS 0 once the message is written; a refusing reason code or no answer
/// within <c>publish-timeout</c> rejects (the engine rewinds and redelivers, up to <c>maxDeliveries</c>).
/// Deliveries of a subscription are published in order, with up to <c>1 + readAhead</c> in flight.
/// </summary>
/// <remarks>
/// <para>
/// One client connection serves every mqtt subscription of the node. While it is up it is
/// registered with the engine under an id of its own (<c>mqtt-1</c>, <c>mqtt-2</c>, ...); when it
/// drops, the connection is closed in the engine, so that dispatching stops and nothing more is
/// acked, and the transport reconnects with a doubling pause (<c>reconnect-initial-delay</c> up to
/// <c>reconnect-max-delay</c>). The next connection is registered afresh and the engine resumes
/// each subscription from its committed offset, in order.
/// </para>
/// <para>
/// Sessions are clean (clean start, no session expiry). A persistent session would only let the
/// client resend its unacknowledged publishes after a reconnect, which MQTTnet does not do and
/// which the engine's redelivery from the committed offset already covers.
/// </para>
/// <para>
/// Configuration (HOCON <c>actordispatch.transports.mqtt</c>), with defaults: <c>server</c>
/// (host:port, required), <c>client-id</c> (default <c>actordispatch-&lt;host&gt;-&lt;random&gt;</c>),
/// <c>username</c>, <c>password</c>, <c>tls { enabled = off, ca-file, cert-file, key-file,
/// insecure-skip-verify = off }</c>, <c>keep-alive = 15s</c>, <c>connect-timeout = 10s</c>,
/// <c>publish-timeout = 30s</c>, <c>reconnect-initial-delay = 250ms</c>,
/// <c>reconnect-max-delay = 30s</c>, <c>egress-allow</c> (the ranges of <see cref="EgressPolicy"/>
/// the broker may be in). <see cref="MqttTransportOptions"/> overrides the broker and credentials.
/// </para>
/// </remarks>
public sealed class MqttTransport : IEventTransport, ISubscriptionDeletedListener, IAsyncDisposable
{
    /// <summary>The transport's name, in subscriptions' <c>transport</c>.</summary>
    public const string TransportName = "mqtt";

    private readonly MqttTransportOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<Guid, (DateTimeOffset Version, MqttOptions Options)> _lanes = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private MqttSettings? _settings;
    private MqttClientOptions? _clientOptions;
    private ITransportCallbacks? _callbacks;
    private Task _connecting = Task.CompletedTask;
    private volatile BrokerSession? _session;
    private int _generation;
    private bool _unconfigured;

    public MqttTransport(MqttTransportOptions? options = null)
    {
        _options = options ?? new MqttTransportOptions();
        _log = _options.LoggerFactory?.CreateLogger("ActorDispatch.Transports.Mqtt") ?? NullLogger.Instance;
    }

    public string Name => TransportName;

    public TransportCapabilities Capabilities { get; } = new(ChangeEvents: false, BatchDelivery: false);

    /// <summary>The engine's id of the current broker connection, or null while the broker is out of reach.</summary>
    internal string? ConnectionId => _session is { IsLost: false } s ? s.ConnectionId : null;

    /// <summary>How many connections were made so far (the generation of the current one).</summary>
    internal int Connections => Volatile.Read(ref _generation);

    public void InitConfig(TransportConfigBuilder config) => MqttSettings.Declare(config);

    /// <summary>
    /// Reads the configuration (a bad one fails here) and starts connecting in the background: a
    /// broker that is down at start is retried like one that went away.
    /// </summary>
    public Task InitAsync(TransportConfig config, ITransportCallbacks callbacks, CancellationToken cancellationToken = default)
    {
        _callbacks = callbacks;
        if (string.IsNullOrEmpty(_options.Server ?? config.GetString(MqttSettings.Server)))
        {
            // A host may register the transport always: without a broker it refuses mqtt subscriptions, saying what to set.
            _unconfigured = true;
            _log.LogInformation("MQTT transport has no broker (actordispatch.transports.mqtt.server): mqtt subscriptions are refused");
            return Task.CompletedTask;
        }
        var settings = MqttSettings.From(config, _options);
        if (IPAddress.TryParse(settings.Host, out var address) && settings.Egress.Refusal(address) is { } refusal)
            throw MqttErrors.Config(MqttSettings.Server, $"'{settings.Broker}' may not be reached: {refusal}");
        _clientOptions = BrokerClientOptions.Build(settings);
        _settings = settings;
        _connecting = Task.Run(ConnectLoopAsync);
        return Task.CompletedTask;
    }

    public JsonDocument GetOptionsSchema() => MqttOptionsSchema.Create();

    /// <summary>Refuses options that cannot work, naming the option; defaults <c>withData</c> to true, as webhooks do.</summary>
    public SubscriptionOptions ValidateOptions(SubscriptionOptions options)
    {
        if (_unconfigured)
            throw new ActorDispatchException(ErrorKind.BadRequest, "AD10103",
                "invalid option 'transport': the mqtt transport has no broker; set ActorDispatch:Transports:Mqtt:Server (or actordispatch.transports.mqtt.server)");
        MqttOptionsParser.Parse(options);
        return options.WithData is null ? options with { WithData = true } : options;
    }

    /// <summary>
    /// Queues the publish on the current connection and returns at once; the broker's answer goes to
    /// the engine later. A delivery for a connection that has gone is dropped: the engine has stopped
    /// waiting for it and delivers it again on the next connection.
    /// </summary>
    public Task DeliveryRequestAsync(string connectionId, Subscription subscription, EventDelivery delivery, JsonElement? data, CancellationToken cancellationToken = default)
    {
        var session = _session;
        if (_shutdown.IsCancellationRequested || session is null || session.ConnectionId != connectionId) return Task.CompletedTask;
        MqttOptions options;
        try
        {
            options = Options(subscription);
        }
        catch (ActorDispatchException ex)
        {
            _log.LogWarning("Subscription {Subscription}: options no longer valid: {Error}", delivery.Subscription, ex.Message);
            return Task.FromException(ex);
        }
        var publish = new OutgoingPublish(MqttMessageFactory.Create(options, delivery));
        if (!session.TryQueue(publish)) return Task.CompletedTask;
        Track(AnswerAsync(session, publish, delivery.Event.Id, delivery.Subscription));
        return Task.CompletedTask;
    }

    /// <summary>A deleted subscription's parsed options go with it.</summary>
    public void SubscriptionDeleted(Guid subscriptionId) => _lanes.TryRemove(subscriptionId, out _);

    /// <summary>Disconnects cleanly; publishes in flight are left unanswered (the engine redelivers them after a restart).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested) return;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await _connecting.ConfigureAwait(false);
            await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _log.LogDebug(ex, "MQTT transport stopped with an error");
        }
    }

    private ITransportCallbacks Callbacks => _callbacks ?? throw new InvalidOperationException("the mqtt transport is not initialised");

    private async Task AnswerAsync(BrokerSession session, OutgoingPublish publish, Guid id, SubscriptionRef subscription)
    {
        PublishOutcome outcome;
        try
        {
            outcome = await publish.Outcome.Task.WaitAsync(_settings!.PublishTimeout, _shutdown.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            outcome = PublishOutcome.Refused($"no answer from the broker within {_settings!.PublishTimeout.TotalMilliseconds:0}ms (publish-timeout)");
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (outcome.ConnectionLost) return;
        if (outcome.Acked)
        {
            Callbacks.DeliveryResponse(session.ConnectionId, new EventDeliveryResponse { Id = id, Subscription = subscription });
            return;
        }
        _log.LogWarning("Subscription {Subscription}: delivery {Id} rejected: {Reason}", subscription, id, outcome.Failure);
        Callbacks.DeliveryResponse(session.ConnectionId, new EventDeliveryResponse { Id = id, Subscription = subscription, Rejected = true, Info = outcome.Failure });
    }

    /// <summary>
    /// Connects, registers the connection, publishes until it is lost, closes it in the engine, waits
    /// and connects again; until the transport is disposed.
    /// </summary>
    private async Task ConnectLoopAsync()
    {
        var settings = _settings!;
        var backoff = new ReconnectBackoff(settings.ReconnectInitialDelay, settings.ReconnectMaxDelay);
        var failures = 0;
        var factory = new MqttClientFactory();
        while (!_shutdown.IsCancellationRequested)
        {
            var client = factory.CreateMqttClient();
            BrokerSession? session = null;
            try
            {
                var connected = await client.ConnectAsync(_clientOptions!, _shutdown.Token).ConfigureAwait(false);
                if (connected.ResultCode != MqttClientConnectResultCode.Success)
                    throw new InvalidOperationException($"the broker refused the connection: {connected.ResultCode} {connected.ReasonString}");
                session = new BrokerSession($"{TransportName}-{Interlocked.Increment(ref _generation)}", client, connected.ReceiveMaximum ?? ushort.MaxValue, _log);
                client.DisconnectedAsync += e =>
                {
                    session.MarkLost(e.Exception);
                    return Task.CompletedTask;
                };
                if (!client.IsConnected) session.MarkLost(null); // dropped before the handler was in place
                failures = 0;
                backoff.Reset();
                _session = session;
                Callbacks.RegisterConnection(session.ConnectionId, static _ => true);
                _log.LogInformation("MQTT connected to {Broker} as {ClientId} ({Connection})", settings.Broker, settings.ClientId, session.ConnectionId);

                var sending = session.RunAsync();
                await Task.WhenAny(session.Lost, Task.Delay(Timeout.Infinite, _shutdown.Token)).ConfigureAwait(false);
                session.MarkLost(null);
                _session = null;
                Callbacks.ConnectionClosed(session.ConnectionId);
                await sending.ConfigureAwait(false);
                if (!_shutdown.IsCancellationRequested) _log.LogWarning("MQTT connection {Connection} to {Broker} lost; reconnecting", session.ConnectionId, settings.Broker);
            }
            catch (Exception ex) when (!_shutdown.IsCancellationRequested)
            {
                // The first failure in a row says why; the retries that follow say it quietly.
                if (failures++ == 0) _log.LogWarning("MQTT broker {Broker} not reachable, retrying: {Error}", settings.Broker, Inner(ex).Message);
                else _log.LogDebug("MQTT broker {Broker} still not reachable (attempt {Attempt}): {Error}", settings.Broker, failures + 1, Inner(ex).Message);
            }
            catch (Exception)
            {
                // Shutting down.
            }
            finally
            {
                if (_session == session && session is not null) _session = null;
                await DisconnectAsync(client).ConfigureAwait(false);
            }
            if (_shutdown.IsCancellationRequested) break;
            try
            {
                await Task.Delay(backoff.Next(), _shutdown.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static async Task DisconnectAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Already gone: nothing to say goodbye to.
        }
        client.Dispose();
    }

    private static Exception Inner(Exception ex) => ex.InnerException is { } inner && ex is MQTTnet.Exceptions.MqttCommunicationException ? Inner(inner) : ex;

    /// <summary>The subscription's options, parsed on its first delivery and again when it is redefined.</summary>
    private MqttOptions Options(Subscription subscription)
    {
        var version = subscription.Updated ?? subscription.Created;
        if (_lanes.TryGetValue(subscription.Id, out var lane) && lane.Version == version) return lane.Options;
        var parsed = MqttOptionsParser.Parse(subscription.Options);
        _lanes[subscription.Id] = (version, parsed);
        return parsed;
    }

    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
