# nameko.amqp: nameko's AMQP consumer and publisher helpers (see consume, publish).
