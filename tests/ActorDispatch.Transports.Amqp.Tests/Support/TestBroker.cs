using System.Collections.Concurrent;
using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ActorDispatch.Transports.Amqp.Tests.Support;

/// <summary>
/// The real RabbitMQ of <c>ACTORDISPATCH_TEST_AMQP</c> (loopback; .ci/run starts it), seen from the
/// consuming side: each spec declares its own queues with unique names, consumes what the transport
/// published, and deletes them when it ends. <c>ACTORDISPATCH_TEST_AMQP_CTL</c> names a script that
/// kills and starts the broker.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    public const string UriVariable = "ACTORDISPATCH_TEST_AMQP";
    public const string ControlVariable = "ACTORDISPATCH_TEST_AMQP_CTL";

    private readonly List<string> _queues = [];
    private readonly List<string> _exchanges = [];
    private IConnection? _connection;
    private IChannel? _channel;

    private TestBroker(string uri) => Uri = uri;

    public string Uri { get; }

    /// <summary>The broker's URI, or null (and the spec is skipped) when the variable is unset.</summary>
    public static string? ConfiguredUri => Environment.GetEnvironmentVariable(UriVariable) is { Length: > 0 } uri ? uri : null;

    public static async Task<TestBroker> ConnectAsync(string uri)
    {
        var broker = new TestBroker(uri);
        await broker.ReconnectAsync();
        return broker;
    }

    /// <summary>Connects again, after the broker was restarted.</summary>
    public async Task ReconnectAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _connection = await new ConnectionFactory { Uri = new Uri(Uri) }.CreateConnectionAsync("actordispatch-tests");
        _channel = await _connection.CreateChannelAsync();
    }

    private IChannel Channel => _channel ?? throw new InvalidOperationException("not connected");

    public static string UniqueName(string prefix) => $"ad-test-{prefix}-{Guid.NewGuid():N}";

    /// <summary>A queue only this spec uses. <paramref name="durable"/> queues (and their persistent messages) survive a broker restart.</summary>
    public async Task<string> DeclareQueueAsync(string prefix, bool durable = false)
    {
        var name = UniqueName(prefix);
        await Channel.QueueDeclareAsync(name, durable: durable, exclusive: false, autoDelete: false);
        _queues.Add(name);
        return name;
    }

    public Task<string> DeclareExchangeAsync(string prefix, string type) => DeclareExchangeNamedAsync(UniqueName(prefix), type);

    /// <summary>Declares an exchange with a given name (deleted at the end, like the others).</summary>
    public async Task<string> DeclareExchangeNamedAsync(string name, string type)
    {
        await Channel.ExchangeDeclareAsync(name, type, durable: false, autoDelete: false);
        _exchanges.Add(name);
        return name;
    }

    public Task BindAsync(string queue, string exchange, string routingKey) => Channel.QueueBindAsync(queue, exchange, routingKey);

    /// <summary>Every message in <paramref name="queue"/> now, in queue order, taken off it.</summary>
    public async Task<IReadOnlyList<BasicGetResult>> DrainAsync(string queue)
    {
        var messages = new List<BasicGetResult>();
        while (await Channel.BasicGetAsync(queue, autoAck: true) is { } message) messages.Add(message);
        return messages;
    }

    /// <summary>Consumes <paramref name="queue"/> into a list, in arrival order.</summary>
    public async Task<ConcurrentQueue<BasicDeliverEventArgs>> ConsumeAsync(string queue)
    {
        var received = new ConcurrentQueue<BasicDeliverEventArgs>();
        var consumer = new AsyncEventingBasicConsumer(Channel);
        consumer.ReceivedAsync += (_, args) =>
        {
            // The body's memory belongs to the client once the handler returns.
            received.Enqueue(new BasicDeliverEventArgs(args.ConsumerTag, args.DeliveryTag, args.Redelivered, args.Exchange, args.RoutingKey,
                args.BasicProperties, args.Body.ToArray()));
            return Task.CompletedTask;
        };
        await Channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return received;
    }

    /// <summary>Runs the control script: <c>kill</c> (SIGKILL, no clean shutdown) or <c>start</c>.</summary>
    public static async Task ControlAsync(string action)
    {
        var control = Environment.GetEnvironmentVariable(ControlVariable) ?? throw new InvalidOperationException($"{ControlVariable} is not set");
        using var process = Process.Start(new ProcessStartInfo(control, action) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{control} {action} exited {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is { IsOpen: true } channel)
        {
            foreach (var queue in _queues) await channel.QueueDeleteAsync(queue);
            foreach (var exchange in _exchanges) await channel.ExchangeDeleteAsync(exchange);
        }
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
