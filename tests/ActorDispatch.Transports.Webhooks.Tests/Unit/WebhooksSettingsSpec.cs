using System.Collections.Immutable;
using ActorDispatch.Transports.Webhooks.Options;

namespace ActorDispatch.Transports.Webhooks.Tests.Unit;

public sealed class WebhooksSettingsSpec
{
    private static TransportConfig With(params (string Key, string? Value)[] values)
    {
        var config = WebhooksSettings.DefaultConfig("webhooks");
        return config with { Values = config.Values.SetItems(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))) };
    }

    [Fact]
    public void Declared_defaults_are_the_documented_ones()
    {
        var s = WebhooksSettings.From(WebhooksSettings.DefaultConfig("webhooks"));
        Assert.Equal(new RetrySettings(true, 5, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30)), s.DefaultRetry);
        Assert.Equal(new HttpSettings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 100, TimeSpan.FromSeconds(90), null), s.DefaultHttp);
        Assert.Equal(32, s.FastAckMaxConcurrentRequests);
        Assert.Equal(1_048_576, s.MaxReplyBodySize);
        Assert.Empty(s.TlsConfigs);
    }

    [Fact]
    public void Configured_values_override_the_defaults_of_subscription_options()
    {
        var s = WebhooksSettings.From(With(("retry-count", "2"), ("retry-initial-delay", "5ms"), ("request-timeout", "1s"), ("fastack-max-concurrent-requests", "3")));
        Assert.Equal(2, s.DefaultRetry.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(5), s.DefaultRetry.InitialDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), s.DefaultHttp.RequestTimeout);
        Assert.Equal(3, s.FastAckMaxConcurrentRequests);

        var parsed = WebhookOptionsParser.Parse(WebhookOptionsParserSpec.Options("""{"url":"http://h/"}"""), s);
        Assert.Equal(2, parsed.Retry.Count);
        Assert.Equal(TimeSpan.FromSeconds(1), parsed.Http.RequestTimeout);
    }

    [Fact]
    public void Named_tls_configurations_are_read_from_flattened_keys_and_code_wins()
    {
        var s = WebhooksSettings.From(
            With(("tls.internal.ca-file", "/etc/ca.pem"), ("tls.internal.insecure-skip-verify", "off"), ("tls.mutual.cert-file", "c.pem"), ("tls.mutual.key-file", "k.pem")),
            [new("mutual", new WebhookTlsConfig(InsecureSkipVerify: true))]);

        Assert.Equal(new WebhookTlsConfig(CaFile: "/etc/ca.pem"), s.TlsConfigs["internal"]);
        Assert.Equal(new WebhookTlsConfig(InsecureSkipVerify: true), s.TlsConfigs["mutual"]);
    }

    [Theory]
    [InlineData("retry-count", "-1")]
    [InlineData("max-idle-conns", "0")]
    [InlineData("fastack-max-concurrent-requests", "0")]
    [InlineData("request-timeout", "soon")]
    [InlineData("tls.x.password", "p")]
    public void Bad_configuration_is_refused_naming_the_key(string key, string value)
    {
        var ex = Assert.ThrowsAny<ActorDispatchException>(() => WebhooksSettings.From(With((key, value))));
        Assert.Contains($"actordispatch.transports.webhooks.{key}", ex.Message, StringComparison.Ordinal);
    }
}
