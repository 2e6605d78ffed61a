// The users module's public surface: what other modules may import.
export { UsersModule } from './users.module.js';
export { UsersService } from './users.service.js';
