// The users module's public surface: what the composition root and other modules may use.
export { UsersModule } from './users.module.js';
export { UsersService } from './users.service.js';
