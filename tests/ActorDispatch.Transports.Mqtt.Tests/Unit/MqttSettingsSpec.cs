using System.Collections.Immutable;
using ActorDispatch.Transports.Mqtt.Publishing;

namespace ActorDispatch.Transports.Mqtt.Tests.Unit;

public sealed class MqttSettingsSpec
{
    private static TransportConfig Config(params (string Key, string Value)[] values)
    {
        var config = MqttSettings.DefaultConfig("mqtt");
        return config with { Values = config.Values.SetItems(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))) };
    }

    [Theory]
    [InlineData("broker:1884", "broker", 1884)]
    [InlineData("broker", "broker", 1883)]
    [InlineData("127.0.0.1:51883", "127.0.0.1", 51883)]
    [InlineData("[::1]:1885", "::1", 1885)]
    [InlineData("[::1]", "::1", 1883)]
    [InlineData("mqtt://broker:1886", "broker", 1886)]
    public void Server_is_host_and_port(string text, string host, int port) =>
        Assert.Equal((host, port), MqttSettings.ParseServer(text, 1883));

    [Theory]
    [InlineData("")]
    [InlineData("broker:0")]
    [InlineData("broker:70000")]
    [InlineData("broker:x")]
    [InlineData("::1")]
    [InlineData("broker/path")]
    [InlineData("user@broker")]
    public void Anything_else_is_not_a_server(string text) => Assert.Null(MqttSettings.ParseServer(text, 1883));

    [Fact]
    public void Server_is_required_and_named()
    {
        var error = Assert.Throws<ActorDispatchException>(() => MqttSettings.From(Config()));
        Assert.Contains("'actordispatch.transports.mqtt.server'", error.Message);
    }

    [Fact]
    public void Defaults_are_read_and_the_tls_port_is_8883()
    {
        var settings = MqttSettings.From(Config(("server", "broker"), ("tls.enabled", "on")));
        Assert.Equal(8883, settings.Port);
        Assert.True(settings.Tls.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.KeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.PublishTimeout);
        Assert.StartsWith("actordispatch-", settings.ClientId);
        Assert.Null(settings.Username);
    }

    [Fact]
    public void Code_overrides_hocon()
    {
        var settings = MqttSettings.From(Config(("server", "a:1"), ("username", "u1"), ("client-id", "me")),
            new MqttTransportOptions { Server = "b:2", Username = "u2", Password = "p2" });
        Assert.Equal(("b", 2), (settings.Host, settings.Port));
        Assert.Equal(("u2", "p2"), (settings.Username, settings.Password));
        Assert.Equal("me", settings.ClientId);
    }

    [Theory]
    [InlineData("reconnect-max-delay", "10ms", "reconnect-max-delay")]
    [InlineData("publish-timeout", "0s", "publish-timeout")]
    [InlineData("tls.cert-file", "/x.pem", "tls.key-file")]
    [InlineData("egress-allow", "nonsense", "egress-allow")]
    public void Bad_settings_are_refused_naming_the_key(string key, string value, string named)
    {
        var error = Assert.Throws<ActorDispatchException>(() => MqttSettings.From(Config(("server", "broker"), (key, value))));
        Assert.Contains($"actordispatch.transports.mqtt.{named}", error.Message);
    }

    [Fact]
    public void Backoff_doubles_up_to_the_maximum_and_starts_over_after_a_reset()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(350));
        Assert.Equal([100, 200, 350, 350], Enumerable.Range(0, 4).Select(_ => backoff.Next().TotalMilliseconds));
        backoff.Reset();
        Assert.Equal(100, backoff.Next().TotalMilliseconds);
    }
}
