using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Options;

/// <summary>
/// An mqtt subscription's options, parsed and checked once (<see cref="MqttOptionsParser"/>) and
/// cached per subscription definition, so that publishing never re-reads JSON.
/// </summary>
/// <param name="Topic">Where each event is published.</param>
/// <param name="Qos">The publish QoS, which decides what acks a delivery: 0 once sent, 1 the PUBACK, 2 the PUBCOMP.</param>
/// <param name="Retain">Publish with the retain flag: the broker keeps the last message of each topic for new subscribers.</param>
/// <param name="WithData">The payload is the event's data; otherwise the whole delivery JSON.</param>
internal sealed record MqttOptions(TopicTemplate Topic, MqttQualityOfServiceLevel Qos, bool Retain, bool WithData);
