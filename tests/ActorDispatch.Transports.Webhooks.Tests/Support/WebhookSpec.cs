using ActorDispatch.Model;
using ActorDispatch.TestSupport;

namespace ActorDispatch.Transports.Webhooks.Tests.Support;

/// <summary>
/// Base of the end-to-end specs: a real Kestrel <see cref="Receiver"/> on loopback, and the engine
/// with the <see cref="WebhooksTransport"/> (<see cref="TransportSpec{TTransport}"/>).
/// </summary>
public abstract class WebhookSpec : TransportSpec<WebhooksTransport>
{
    private const string Tuning = """
        # The receivers are on loopback, which webhooks may reach only when allowed.
        actordispatch.transports.webhooks.egress-allow = "127.0.0.0/8"
        """;

    private readonly X509CertificateHolder? _certificate;

    protected WebhookSpec(ITestOutputHelper output, string? hocon = null, WebhooksTransportOptions? options = null, X509CertificateHolder? certificate = null)
        : base(output, Create(output, options), Tuning, hocon)
    {
        _certificate = certificate;
    }

    protected WebhookReceiver Receiver { get; private set; } = null!;

    protected override string DefaultSubscription => "hook";

    protected override TimeSpan OffsetPatience => TimeSpan.FromSeconds(15);

    public override async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync(_certificate?.Certificate);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    private static WebhooksTransport Create(ITestOutputHelper output, WebhooksTransportOptions? options)
    {
        options ??= new WebhooksTransportOptions();
        options.LoggerFactory ??= new TestOutputLoggerFactory(output, WebhooksTransport.TransportName);
        return new WebhooksTransport(options);
    }

    /// <summary>
    /// Creates a webhook subscription from <paramref name="transportOptions"/> (JSON, FireFly's names;
    /// <c>{url}</c> is replaced by the receiver's URL) starting at the oldest event.
    /// </summary>
    protected Task<Subscription> SubscribeAsync(string transportOptions, int readAhead = 0, bool? withData = null, bool? batch = null,
        int? batchSize = null, string name = "hook") =>
        CreateSubscriptionAsync(Options(transportOptions) with
        {
            ReadAhead = readAhead,
            WithData = withData,
            Batch = batch,
            BatchSize = batchSize,
            BatchTimeout = batch == true ? "100ms" : null,
        }, name);

    /// <summary>Subscription options holding the transport options of <paramref name="json"/>.</summary>
    protected SubscriptionOptions Options(string json) =>
        new() { Transport = TransportOptions(json.Replace("{url}", Receiver.Url(), StringComparison.Ordinal)) };
}

/// <summary>Carries a server certificate into the base constructor.</summary>
public sealed record X509CertificateHolder(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate);
