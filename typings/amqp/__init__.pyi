# amqp (py-amqp): the low-level AMQP 0-9-1 client's connection, channel, message and errors.
from amqp.basic_message import Message as Message
from amqp.channel import Channel as Channel
from amqp.connection import Connection as Connection
from amqp.exceptions import AMQPError as AMQPError
from amqp.exceptions import ChannelError as ChannelError
from amqp.exceptions import ConnectionError as ConnectionError
from amqp.exceptions import IrrecoverableChannelError as IrrecoverableChannelError
from amqp.exceptions import IrrecoverableConnectionError as IrrecoverableConnectionError
from amqp.exceptions import PreconditionFailed as PreconditionFailed
from amqp.exceptions import RecoverableChannelError as RecoverableChannelError
from amqp.exceptions import RecoverableConnectionError as RecoverableConnectionError
