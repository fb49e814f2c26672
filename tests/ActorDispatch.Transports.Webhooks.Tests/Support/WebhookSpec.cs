using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Configuration;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace ActorDispatch.Transports.Webhooks.Tests.Support;

/// <summary>
/// Base of the end-to-end specs: a real Kestrel <see cref="Receiver"/> on loopback, and the engine
/// with the <see cref="WebhooksTransport"/> on a fresh SQLite file, with short commit intervals and
/// rewind pauses. Events are appended and subscriptions created through <see cref="IActorDispatch"/>.
/// </summary>
public abstract class WebhookSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    public const string Ns = "default";

    private static readonly Config Tuning = ConfigurationFactory.ParseString("""
        actordispatch.dispatch {
          commit-interval = 100ms
          poll-interval = 500ms
          rewind-backoff-min = 50ms
          rewind-backoff-max = 200ms
        }
        akka.loglevel = INFO
        # The receivers are on loopback, which webhooks may reach only when allowed.
        actordispatch.transports.webhooks.egress-allow = "127.0.0.0/8"
        """);

    private readonly X509CertificateHolder? _certificate;

    protected WebhookSpec(ITestOutputHelper output, string? hocon = null, WebhooksTransportOptions? options = null, X509CertificateHolder? certificate = null)
        : this(output, Create(output, options), hocon, certificate)
    {
    }

    private WebhookSpec(ITestOutputHelper output, WebhooksTransport transport, string? hocon, X509CertificateHolder? certificate)
        : base(Setup(transport, hocon), "webhooks", output)
    {
        Transport = transport;
        _certificate = certificate;
        Engine = ActorDispatchEngine.Get(Sys);
    }

    protected WebhooksTransport Transport { get; }

    protected IActorDispatch Engine { get; }

    protected WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync(_certificate?.Certificate);
        await ((ActorDispatchEngine)Engine).Ready;
    }

    public async Task DisposeAsync()
    {
        await Transport.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    private static WebhooksTransport Create(ITestOutputHelper output, WebhooksTransportOptions? options)
    {
        options ??= new WebhooksTransportOptions();
        options.LoggerFactory ??= new TestOutputLoggerFactory(output);
        return new WebhooksTransport(options);
    }

    private static ActorSystemSetup Setup(WebhooksTransport transport, string? hocon)
    {
        var path = Path.Combine(Path.GetTempPath(), "actordispatch-webhooks-tests", $"{Guid.NewGuid():N}.db");
        var config = (hocon is null ? Config.Empty : ConfigurationFactory.ParseString(hocon))
            .WithFallback(Tuning)
            .WithFallback(StorageConfig.Sqlite(path))
            .WithFallback(ActorDispatchConfig.Reference);
        return BootstrapSetup.Create().WithConfig(config).And(new ActorDispatchSetup([transport]));
    }

    /// <summary>
    /// Creates a webhook subscription from <paramref name="transportOptions"/> (JSON, FireFly's names;
    /// <c>{url}</c> is replaced by the receiver's URL) starting at the oldest event.
    /// </summary>
    protected Task<Subscription> SubscribeAsync(string transportOptions, int readAhead = 0, bool? withData = null, bool? batch = null,
        int? batchSize = null, string name = "hook") =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = name,
            Transport = WebhooksTransport.TransportName,
            Options = Options(transportOptions) with
            {
                FirstEvent = "oldest",
                ReadAhead = readAhead,
                WithData = withData,
                Batch = batch,
                BatchSize = batchSize,
                BatchTimeout = batch == true ? "100ms" : null,
            },
        });

    /// <summary>Subscription options holding the transport options of <paramref name="json"/>.</summary>
    protected SubscriptionOptions Options(string json)
    {
        var text = json.Replace("{url}", Receiver.Url(), StringComparison.Ordinal);
        var transport = JsonDocument.Parse(text).RootElement.EnumerateObject()
            .ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        return new SubscriptionOptions { Transport = transport };
    }

    protected static NewEvent NewEvent(int n, string type = "order_created", string? topic = "orders", object? data = null) => new()
    {
        Type = type,
        Topic = topic,
        Data = JsonSerializer.SerializeToElement(data ?? new { n }),
    };

    /// <summary>Appends events with data <c>{"n": 1..count}</c> (sequences 1..count on a fresh log).</summary>
    protected Task<IReadOnlyList<Event>> AppendAsync(int count, int first = 1) =>
        Engine.AppendAsync(Ns, Enumerable.Range(first, count).Select(n => NewEvent(n)).ToArray());

    protected async Task<long> OffsetAsync(string name = "hook") => (await Engine.GetSubscriptionStatusAsync(Ns, name)).CurrentOffset;

    protected Task AwaitOffsetAsync(long offset, string name = "hook", TimeSpan? within = null) =>
        AwaitAssertAsync(async () => Assert.Equal(offset, await OffsetAsync(name)), within ?? TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
}

/// <summary>Carries a server certificate into the base constructor.</summary>
public sealed record X509CertificateHolder(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate);
