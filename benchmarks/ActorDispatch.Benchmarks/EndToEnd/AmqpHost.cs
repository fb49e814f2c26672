using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using ActorDispatch.Model;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The server with its <c>amqp</c> transport, publishing with confirms to the RabbitMQ of
/// <c>ACTORDISPATCH_BENCH_AMQP</c> (else <c>ACTORDISPATCH_TEST_AMQP</c>; loopback only). Each
/// subscription publishes through the default exchange to a queue of its own (durable, persistent
/// messages: what a confirm then promises is on disk), consumed here with automatic acks into a
/// <see cref="WebhookSink"/>: the bodies are the event data (<c>withData</c>), as the webhook
/// receiver sees them, so latency is publish to receipt. Queues are deleted with the host.
/// </summary>
internal sealed class AmqpHost : IE2eHost
{
    public const string UriVariable = "ACTORDISPATCH_BENCH_AMQP";

    private readonly ServerHost _server;
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly TransportVariant _variant;
    private readonly ConcurrentDictionary<string, (string Queue, WebhookSink Sink)> _subscriptions = new(StringComparer.Ordinal);

    private AmqpHost(ServerHost server, IConnection connection, IChannel channel, TransportVariant variant)
    {
        _server = server;
        _connection = connection;
        _channel = channel;
        _variant = variant;
    }

    public IActorDispatch Engine => _server.Engine;

    /// <summary>The broker, or an error saying which variable to set.</summary>
    public static string BrokerUri =>
        Environment.GetEnvironmentVariable(UriVariable) is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("ACTORDISPATCH_TEST_AMQP") is { Length: > 0 } test ? test
        : throw new ArgumentException($"--transport amqp needs a RabbitMQ on loopback: set {UriVariable} (e.g. amqp://guest:guest@127.0.0.1:5672/)");

    public static async Task<AmqpHost> StartAsync(string name, TransportVariant variant, CancellationToken ct)
    {
        var uri = BrokerUri;
        var server = await ServerHost.StartAsync(name, ct, $"--ActorDispatch:Transports:Amqp:Uri={uri}");
        try
        {
            var connection = await new ConnectionFactory { Uri = new Uri(uri) }.CreateConnectionAsync("actordispatch-bench-consumer", ct);
            return new AmqpHost(server, connection, await connection.CreateChannelAsync(cancellationToken: ct), variant);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct) => Engine.AppendAsync(IE2eHost.Namespace, events, ct);

    public async Task<string?> GetConnectionAsync(string name, CancellationToken ct) =>
        (await Engine.GetSubscriptionStatusAsync(IE2eHost.Namespace, name, ct)).Connection;

    /// <summary>Declares the subscription's queue and starts consuming it before the subscription exists: the transport publishes at once.</summary>
    public async Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct)
    {
        var queue = $"ad-bench-{name}-{Guid.NewGuid():N}";
        await _channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        var sink = new WebhookSink(expected);
        _subscriptions[name] = (queue, sink);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, args) =>
        {
            var received = Stopwatch.GetTimestamp();
            try
            {
                using var body = JsonDocument.Parse(args.Body);
                sink.Receive(body.RootElement, received);
            }
            catch (JsonException e)
            {
                sink.Fail(e);
            }
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue, autoAck: true, consumer, ct);
        await Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = IE2eHost.Namespace,
            Name = name,
            Transport = "amqp",
            Options = new SubscriptionOptions
            {
                FirstEvent = firstEvent,
                ReadAhead = _variant.ReadAhead,
                WithData = true,
                Transport = ImmutableSortedDictionary.Create<string, JsonElement>(StringComparer.Ordinal)
                    .Add("exchange", JsonSerializer.SerializeToElement(""))
                    .Add("routingKey", JsonSerializer.SerializeToElement(queue)),
            },
        }, ct);
    }

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct)
    {
        var sink = _subscriptions[name].Sink;
        if (sink.Expected != expected) throw new InvalidOperationException($"{name} was created for {sink.Expected} events, not {expected}");
        return sink.Completion.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        // The server first: it stops publishing before the queues go.
        await _server.DisposeAsync();
        foreach (var (queue, _) in _subscriptions.Values)
        {
            try
            {
                await _channel.QueueDeleteAsync(queue);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.AlreadyClosedException)
            {
                break;
            }
        }
        await _connection.DisposeAsync();
    }
}
