// The broker connection: consume the inbox with manual acks, publish with confirms, and come back after a drop.
'use strict';

const amqp = require('amqplib');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class NotConnected extends Error {}

class Broker {
  /**
   * @param config  the agency's settings (amqpUri, brokerUser, service, prefetch)
   * @param queue   the inbox to consume
   */
  constructor(config, queue, log) {
    this.config = config;
    this.queue = queue;
    this.onDelivery = null;
    this.log = log;
    this.connection = null;
    this.publishChannel = null;
    this.consumerTag = null;
    this.consuming = false;
    this.stopping = false;
    this.returned = new Set(); // message ids the broker returned as unroutable (mandatory)
    this.inFlight = new Set();
    this.loop = null;
  }

  /**
   * Connects and keeps connecting after every drop, until stop(); resolves once first consuming.
   * onDelivery: async (delivery) => void; a delivery has `message`, `ack()` and `reject()` (no requeue).
   */
  start(onDelivery) {
    this.onDelivery = onDelivery;
    let firstConnected;
    const connected = new Promise((resolve) => (firstConnected = resolve));
    this.loop = this.reconnectLoop(firstConnected);
    return connected;
  }

  async reconnectLoop(firstConnected) {
    let delay = 250;
    while (!this.stopping) {
      let closed;
      try {
        closed = await this.connectOnce();
        firstConnected();
        delay = 250;
        await closed;
      } catch (error) {
        this.log('warning', 'broker connection failed', { error: error.message });
      }
      this.consuming = false;
      this.publishChannel = null;
      if (this.stopping) break;
      this.log('info', 'reconnecting to the broker', { in_ms: delay });
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** One connection with a consuming channel and a confirm channel; resolves with a promise of its close. */
  async connectOnce() {
    const connection = await amqp.connect(this.config.amqpUri, {
      clientProperties: { connection_name: `${this.config.service} (women's federation example)` },
    });
    const closed = new Promise((resolve) => connection.once('close', resolve));
    connection.on('error', (error) => this.log('warning', 'broker connection error', { error: error.message }));
    try {
      // A channel closed by the broker (an unknown exchange, a refused user_id) would leave us half
      // connected; closing the whole connection brings both channels back through the reconnect loop.
      const dropAll = (what) => (error) => {
        if (this.stopping) return;
        this.log('warning', `${what} channel closed`, { error: error ? error.message : null });
        connection.close().catch(() => {});
      };
      const publishChannel = await connection.createConfirmChannel();
      publishChannel.on('error', dropAll('publishing'));
      publishChannel.on('close', dropAll('publishing'));
      publishChannel.on('return', (message) => this.returned.add(message.properties.messageId));

      const consumeChannel = await connection.createChannel();
      consumeChannel.on('error', dropAll('consuming'));
      consumeChannel.on('close', dropAll('consuming'));
      // Prefetch bounds the unacknowledged messages the broker lets us hold at once.
      await consumeChannel.prefetch(this.config.prefetch);
      const { consumerTag } = await consumeChannel.consume(
        this.queue,
        (message) => {
          if (message === null) {
            dropAll('consuming')(new Error('the broker cancelled the consumer (queue deleted?)'));
            return;
          }
          this.dispatch(consumeChannel, message);
        },
        { noAck: false },
      );
      this.connection = connection;
      this.publishChannel = publishChannel;
      this.consumeChannel = consumeChannel;
      this.consumerTag = consumerTag;
      this.consuming = true;
      this.log('info', 'consuming', { queue: this.queue, prefetch: this.config.prefetch });
    } catch (error) {
      connection.close().catch(() => {});
      throw error;
    }
    return closed;
  }

  dispatch(channel, message) {
    // Settling on a channel that has since closed is pointless: the broker redelivers the message.
    const settle = (fn) => {
      try {
        fn();
      } catch (error) {
        this.log('warning', 'could not settle a message; the broker redelivers it', { error: error.message });
      }
    };
    const delivery = {
      message,
      ack: () => settle(() => channel.ack(message)),
      // Without requeue: the inbox's dead-letter exchange (wuyuan.retry) brings it back after the delay.
      reject: () => settle(() => channel.nack(message, false, false)),
    };
    const work = this.onDelivery(delivery)
      .catch((error) => this.log('error', 'delivery handler failed', { error: error.stack }))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Publishes persistently and mandatorily; resolves once the broker confirmed, rejects on nack, return or drop. */
  publish(exchange, routingKey, content, options) {
    const channel = this.publishChannel;
    if (!channel) return Promise.reject(new NotConnected('not connected to the broker'));
    const messageId = options.messageId;
    return new Promise((resolve, reject) => {
      try {
        channel.publish(
          exchange,
          routingKey,
          content,
          { ...options, persistent: true, mandatory: true, userId: this.config.brokerUser },
          (error) => {
            // RabbitMQ sends basic.return before the basic.ack of the same message.
            const returned = this.returned.delete(messageId);
            if (error) reject(new Error(`the broker refused it (nack): ${error.message || error}`));
            else if (returned) reject(new Error(`unroutable: nothing bound to ${exchange} by ${routingKey}`));
            else resolve();
          },
        );
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Stops consuming, lets the messages in hand finish (up to `graceMs`), and closes the connection. */
  async stop(graceMs = 10000) {
    this.stopping = true;
    this.consuming = false;
    try {
      if (this.consumeChannel && this.consumerTag) await this.consumeChannel.cancel(this.consumerTag);
    } catch {
      // already gone with its connection
    }
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(graceMs)]);
    try {
      if (this.connection) await this.connection.close();
    } catch {
      // already closed
    }
    await this.loop;
  }
}

module.exports = { Broker, NotConnected };
