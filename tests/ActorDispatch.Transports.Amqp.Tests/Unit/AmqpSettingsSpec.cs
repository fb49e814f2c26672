using ActorDispatch.Transports.Amqp.Publishing;

namespace ActorDispatch.Transports.Amqp.Tests.Unit;

public sealed class AmqpSettingsSpec
{
    private static TransportConfig Config(params (string Key, string? Value)[] values)
    {
        var config = AmqpSettings.DefaultConfig("amqp");
        return config with { Values = values.Aggregate(config.Values, (v, kv) => v.SetItem(kv.Key, kv.Value)) };
    }

    [Fact]
    public void Defaults_have_no_broker_and_sensible_timeouts()
    {
        var s = AmqpSettings.From(Config());
        Assert.Null(s.Uri);
        Assert.Equal(TimeSpan.FromSeconds(30), s.ConfirmTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(100), s.ReconnectBackoffMin);
        Assert.Equal(TimeSpan.FromSeconds(10), s.ReconnectBackoffMax);
    }

    [Fact]
    public void The_host_uri_wins_over_hocon_and_its_credentials_stay_out_of_descriptions()
    {
        var s = AmqpSettings.From(Config(("uri", "amqp://a:b@hocon:5672/")), uriOverride: "amqps://user:secret@broker.example:5671/vh");
        Assert.Equal("broker.example", s.Uri!.Host);
        Assert.Equal("amqps://broker.example:5671/vh", s.BrokerDescription);
        Assert.DoesNotContain("secret", s.BrokerDescription);
    }

    [Theory]
    [InlineData("http://broker/", "actordispatch.transports.amqp.uri")]
    [InlineData("broker:5672", "actordispatch.transports.amqp.uri")]
    public void A_uri_that_is_not_amqp_is_refused_naming_the_setting(string uri, string setting)
    {
        var ex = Assert.Throws<ActorDispatchException>(() => AmqpSettings.From(Config(("uri", uri))));
        Assert.Contains($"'{setting}'", ex.Message);
    }

    [Fact]
    public void Tls_settings_are_read_and_unknown_ones_refused()
    {
        var s = AmqpSettings.From(Config(("tls.enabled", "on"), ("tls.server-name", "rabbit.internal"), ("tls.insecure-skip-verify", "true")));
        Assert.Equal(new AmqpTlsSettings(Enabled: true, ServerName: "rabbit.internal", InsecureSkipVerify: true), s.Tls);
        var ex = Assert.Throws<ActorDispatchException>(() => AmqpSettings.From(Config(("tls.ca", "x"))));
        Assert.Contains("'actordispatch.transports.amqp.tls.ca'", ex.Message);
        ex = Assert.Throws<ActorDispatchException>(() => AmqpSettings.From(Config(("tls.cert-file", "c.pem"))));
        Assert.Contains("tls.key-file", ex.Message);
    }

    [Fact]
    public void Backoff_max_below_min_is_refused() =>
        Assert.Contains("reconnect-backoff-max", Assert.Throws<ActorDispatchException>(() =>
            AmqpSettings.From(Config(("reconnect-backoff-min", "2s"), ("reconnect-backoff-max", "1s")))).Message);

    [Theory]
    [InlineData(0, 0.0, 100)]
    [InlineData(1, 0.0, 200)]
    [InlineData(3, 0.0, 800)]
    [InlineData(20, 0.0, 10_000)]
    [InlineData(20, 1.0, 7_500)]
    [InlineData(0, 1.0, 100)]
    public void Reconnect_backoff_doubles_up_to_the_maximum_with_a_quarter_of_jitter(int attempt, double random, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Backoff.Delay(attempt, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), random));
}
