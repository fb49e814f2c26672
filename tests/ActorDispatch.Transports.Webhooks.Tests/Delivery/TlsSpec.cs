using ActorDispatch.Transports.Webhooks.Tests.Support;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>Named TLS configurations (<c>tlsConfigName</c>) against an HTTPS receiver with a private CA.</summary>
public sealed class TlsSpec : WebhookSpec
{
    private static readonly Lazy<TestCertificates> Certificates = new(TestCertificates.Create);

    public TlsSpec(ITestOutputHelper output)
        : base(output, options: Options(), certificate: new X509CertificateHolder(Certificates.Value.Server))
    {
    }

    private static WebhooksTransportOptions Options()
    {
        var certs = Certificates.Value;
        var options = new WebhooksTransportOptions();
        options.TlsConfigs["private-ca"] = new WebhookTlsConfig(CaFile: certs.CaFile);
        options.TlsConfigs["mutual"] = new WebhookTlsConfig(CaFile: certs.CaFile, CertFile: certs.ClientCertFile, KeyFile: certs.ClientKeyFile);
        options.TlsConfigs["anything-goes"] = new WebhookTlsConfig(InsecureSkipVerify: true);
        return options;
    }

    [Fact]
    public async Task Tls_config_with_the_receivers_ca_delivers_over_https()
    {
        await SubscribeAsync("""{"url":"{url}","tlsConfigName":"private-ca"}""");
        await AppendAsync(1);

        var request = (await Receiver.WaitForAsync(1))[0];
        Assert.Null(request.ClientCertificate);
        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Tls_config_with_a_client_certificate_presents_it()
    {
        await SubscribeAsync("""{"url":"{url}","tlsConfigName":"mutual"}""");
        await AppendAsync(1);

        var request = (await Receiver.WaitForAsync(1))[0];
        Assert.Equal(TestCertificates.ClientSubject, request.ClientCertificate);
        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Insecure_skip_verify_accepts_the_untrusted_certificate()
    {
        await SubscribeAsync("""{"url":"{url}","tlsConfigName":"anything-goes"}""");
        await AppendAsync(1);

        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Without_a_tls_config_an_untrusted_certificate_is_refused_and_nothing_is_acked()
    {
        await SubscribeAsync("""{"url":"{url}","retry":{"count":1,"initialDelay":"5ms","maxDelay":"5ms"}}""");
        await AppendAsync(1);

        await AwaitAssertAsync(async () => Assert.True((await Engine.GetSubscriptionStatusAsync(Ns, "hook")).Redelivered >= 1),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, await OffsetAsync());
        Assert.Empty(Receiver.Requests);
    }

    [Fact]
    public async Task An_unknown_tls_config_name_is_refused_at_create()
    {
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => SubscribeAsync("""{"url":"{url}","tlsConfigName":"nope"}"""));
        Assert.Contains("'options.tlsConfigName'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("anything-goes, mutual, private-ca", ex.Message, StringComparison.Ordinal);
    }
}
